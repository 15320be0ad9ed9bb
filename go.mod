module github.com/opendray/opendray

go 1.26.8

require github.com/asynkron/protoactor-go v0.0.0-20240822202345-3c0e61ca19c9

require github.com/stretchr/testify v1.11.1 // indirect
