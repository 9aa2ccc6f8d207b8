// Package refpb holds the code protoc-gen-go generates from Heka's
// message.proto. Only tests use it: they check the hand-written codec of
// package message byte for byte against it.
package refpb
