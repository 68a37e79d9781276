module github.com/nop-platform/retry

go 1.26
