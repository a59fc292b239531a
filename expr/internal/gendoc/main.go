// Command gendoc writes the list of functions in the package documentation
// of expr (doc.go) from the table nabla.Functions. Run it with
// go generate ./expr; a test fails when doc.go is out of date.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/nabla-go/nabla"
)

// header is the line of doc.go after which (and a blank comment line) the
// generated list, the lines that start with "//\t", stands.
const header = "// Functions (the table nabla.Functions), with the nabla function each calls:"

func main() {
	path := "doc.go"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	src, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	out, err := update(src, nabla.Functions())
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	if !bytes.Equal(out, src) {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// list renders the functions as the lines of a code block in a doc comment.
func list(fs []nabla.Function) []string {
	calls := make([]string, len(fs))
	width := 0
	for i, f := range fs {
		args := []string{"x"}
		if f.Arity != 1 {
			args = make([]string, f.Arity)
			for j := range args {
				args[j] = string(rune('a' + j))
			}
		}
		calls[i] = f.Name + "(" + strings.Join(args, ", ") + ")"
		width = max(width, len(calls[i]))
	}
	lines := make([]string, len(fs))
	for i, f := range fs {
		lines[i] = fmt.Sprintf("//\t%-*s  %s", width, calls[i], f.Doc)
	}
	return lines
}

// update returns the source of doc.go with the list after header replaced
// by that of fs.
func update(src []byte, fs []nabla.Function) ([]byte, error) {
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		if l != header {
			continue
		}
		if i+1 >= len(lines) || lines[i+1] != "//" {
			return nil, fmt.Errorf("expected a blank comment line after %q", header)
		}
		start, end := i+2, i+2
		for end < len(lines) && strings.HasPrefix(lines[end], "//\t") {
			end++
		}
		out := append(append(append([]string{}, lines[:start]...), list(fs)...), lines[end:]...)
		return []byte(strings.Join(out, "\n")), nil
	}
	return nil, fmt.Errorf("no line %q", header)
}
