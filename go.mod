module sandpiper

go 1.26.8
