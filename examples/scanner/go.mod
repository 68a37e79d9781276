module github.com/nop-platform/retry/examples/scanner

go 1.26

require github.com/nop-platform/retry v0.0.0

replace github.com/nop-platform/retry => ../../
