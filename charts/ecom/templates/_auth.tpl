{{/*
API authentication (auth.*): the AUTH_* settings of every service (README "Security"), the public
key Secret when the chart holds the key, and the checks helm cannot leave to the services.
*/}}
{{- define "ecom.authKeySecret" -}}
{{- if .Values.auth.publicKeySecret -}}{{ .Values.auth.publicKeySecret }}
{{- else if .Values.auth.publicKey -}}{{ include "ecom.fullname" . }}-auth-public-key
{{- end -}}
{{- end }}

{{- define "ecom.authCheck" -}}
{{- $a := .Values.auth }}
{{- if eq $a.mode "jwt" }}
{{- if not $a.issuer }}{{ fail "auth.issuer is required with auth.mode=jwt: the `iss` of the tokens to accept (or auth.mode=off)" }}{{ end }}
{{- if not $a.audience }}{{ fail "auth.audience is required with auth.mode=jwt: the `aud` of the tokens to accept" }}{{ end }}
{{- if not (or $a.jwksUrl $a.publicKey $a.publicKeySecret) }}{{ fail "auth: set auth.jwksUrl (your issuer's JWKS), or auth.publicKey / auth.publicKeySecret (one PEM key that signs accepted tokens)" }}{{ end }}
{{- end }}
{{- end }}

{{- define "ecom.authEnv" -}}
{{- include "ecom.authCheck" . }}
{{- $a := .Values.auth }}
- { name: AUTH_MODE, value: {{ $a.mode | quote }} }
{{- if eq $a.mode "jwt" }}
- { name: AUTH_ISSUER, value: {{ $a.issuer | quote }} }
- { name: AUTH_AUDIENCE, value: {{ $a.audience | quote }} }
{{- if $a.jwksUrl }}
- { name: AUTH_JWKS_URL, value: {{ $a.jwksUrl | quote }} }
{{- else }}
- { name: AUTH_PUBLIC_KEY_FILE, value: /etc/ecom/auth/public-key.pem }
{{- end }}
- { name: AUTH_ALGORITHMS, value: {{ join "," $a.algorithms | quote }} }
- { name: AUTH_ROLES_CLAIM, value: {{ $a.rolesClaim | quote }} }
- { name: AUTH_CLOCK_TOLERANCE_S, value: {{ $a.clockToleranceSeconds | quote }} }
{{- end }}
{{- end }}

{{- define "ecom.authVolumeMounts" -}}
{{- if and (eq .Values.auth.mode "jwt") (include "ecom.authKeySecret" .) }}
- { name: auth-public-key, mountPath: /etc/ecom/auth, readOnly: true }
{{- end }}
{{- end }}

{{- define "ecom.authVolumes" -}}
{{- if and (eq .Values.auth.mode "jwt") (include "ecom.authKeySecret" .) }}
- name: auth-public-key
  secret:
    secretName: {{ include "ecom.authKeySecret" . }}
    defaultMode: 0444
    items: [{ key: public-key.pem, path: public-key.pem }]
{{- end }}
{{- end }}
