module github.com/libftp/libftp/bindings/go

go 1.19
