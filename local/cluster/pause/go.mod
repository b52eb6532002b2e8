module ecom.local/cluster/pause

go 1.19
