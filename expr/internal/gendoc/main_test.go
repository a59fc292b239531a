package main

import (
	"os"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

// The function list in expr's package documentation is the table's.
func TestDocUpToDate(t *testing.T) {
	src, err := os.ReadFile("../../doc.go")
	if err != nil {
		t.Fatal(err)
	}
	want, err := update(src, nabla.Functions())
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(src) {
		t.Fatal("expr/doc.go is out of date with nabla.Functions: run go generate ./expr")
	}
}

func TestUpdate(t *testing.T) {
	src := "// Intro.\n//\n" + header + "\n//\n//\told\n//\tlines\n//\n// After.\npackage expr\n"
	fs := []nabla.Function{{Name: "f", Arity: 1, Doc: "one"}, {Name: "long", Arity: 2, Doc: "two"}}
	got, err := update([]byte(src), fs)
	if err != nil {
		t.Fatal(err)
	}
	want := "// Intro.\n//\n" + header + "\n//\n//\tf(x)        one\n//\tlong(a, b)  two\n//\n// After.\npackage expr\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := update([]byte(strings.Replace(src, header, "// Other.", 1)), fs); err == nil {
		t.Error("no error without the header")
	}
}
