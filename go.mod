module sandpiper

go 1.26.8

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/fsnotify/fsnotify v1.6.0
	github.com/yuin/gopher-lua v1.1.2
	google.golang.org/protobuf v1.36.12
)

require golang.org/x/sys v0.0.0-20220908164124-27713097b956 // indirect
