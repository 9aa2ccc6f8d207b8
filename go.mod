module sandpiper

go 1.26.8

require google.golang.org/protobuf v1.36.12

require github.com/yuin/gopher-lua v1.1.2 // indirect
