import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { EVENT_TOPIC_KIND, type EventTopicResource, topicSpecFromResource } from './resource.js';
import type { TopicSpec } from './types.js';

/** Reads every EventTopic in the `*.yaml` files of a folder (k8s/topics/), sorted by file name. */
export async function loadTopicSpecs(dir: string): Promise<TopicSpec[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const specs: TopicSpec[] = [];
  for (const file of files) {
    const path = join(dir, file);
    for (const doc of parseAllDocuments(await readFile(path, 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${path}: invalid YAML: ${doc.errors[0]?.message}`);
      const resource = doc.toJS() as EventTopicResource | null;
      if (resource?.kind === EVENT_TOPIC_KIND) specs.push(topicSpecFromResource(resource, path));
    }
  }
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) throw new Error(`${dir}: topic ${spec.name} is declared twice`);
    seen.add(spec.name);
  }
  return specs;
}
