package expr

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"

	"github.com/nabla-go/nabla"
)

// MaxLen is the longest expression Parse accepts, in bytes.
const MaxLen = 1 << 14

// Expr is a parsed expression, ready to be evaluated on nabla tensors.
type Expr struct {
	src   string // this expression
	whole string // the text it was parsed from, for errors
	root  *node
	vars  map[string]int // variable -> rune offset of its first use
}

// kind is what a node of the expression tree is.
type kind uint8

const (
	number kind = iota
	variable
	neg
	binary // + - * / ^
	call
	index
)

// node is one step of the expression: its kind, its operator or function
// name, its operands and where it starts in the source, for errors.
type node struct {
	kind kind
	op   string  // operator, function or variable name
	num  float64 // number; index for index nodes
	args []*node
	fn   func(xs ...*nabla.Tensor) *nabla.Tensor // the function a call node calls
	pos  int
}

// table is a function table expressions are parsed with: nabla.Functions,
// or in tests that table with entries added. It is built once and never
// changed.
type table struct {
	funcs map[string]nabla.Function
	names []string // sorted
}

func newTable(fs []nabla.Function) *table {
	t := &table{funcs: make(map[string]nabla.Function, len(fs))}
	for _, f := range fs {
		t.funcs[f.Name] = f
		t.names = append(t.names, f.Name)
	}
	sort.Strings(t.names)
	return t
}

// functions is the table of every expression: nabla's.
var functions = newTable(nabla.Functions())

// Functions returns the names of the functions expressions may call, sorted:
// those of nabla.Functions.
func Functions() []string {
	return append([]string(nil), functions.names...)
}

// Parse parses an expression. Its errors are *Error values that point at the
// offending column.
func Parse(src string) (*Expr, error) {
	return parseAt(src, src, 0, functions)
}

// ParseList parses expressions separated by semicolons, as in
// "x*y; x+y". Errors point into the whole text.
func ParseList(src string) ([]*Expr, error) {
	var out []*Expr
	offset := 0
	for _, part := range strings.Split(src, ";") {
		e, err := parseAt(part, src, offset, functions)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		offset += utf8.RuneCountInString(part) + 1
	}
	return out, nil
}

// parseAt parses part, which starts at rune offset off of the whole text,
// with the functions of fns.
func parseAt(part, whole string, off int, fns *table) (*Expr, error) {
	if len(whole) > MaxLen {
		return nil, &Error{Src: whole[:64] + "…", Pos: -1, Msg: fmt.Sprintf("expression of %d bytes: at most %d are accepted", len(whole), MaxLen)}
	}
	if !utf8.ValidString(whole) {
		return nil, &Error{Src: whole, Pos: -1, Msg: "expression is not valid UTF-8"}
	}
	if strings.TrimSpace(part) == "" {
		return nil, errorf(whole, off, "empty expression: expected a number, a variable or a function call")
	}
	tree, err := parser.Parse(part)
	if err != nil {
		return nil, syntaxError(part, whole, off, err)
	}
	c := converter{src: whole, off: off, vars: map[string]int{}, fns: fns}
	root, err := c.convert(tree.Node)
	if err != nil {
		return nil, err
	}
	return &Expr{src: part, whole: whole, root: root, vars: c.vars}, nil
}

// syntaxError turns an error of expr-lang's parser into one that says what
// was expected, with the place counted in the whole text.
func syntaxError(part, whole string, off int, err error) error {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return &Error{Src: whole, Pos: -1, Msg: err.Error()}
	}
	msg, pos := fe.Message, fe.From
	switch {
	case strings.Contains(msg, "maximum allowed nodes"):
		return &Error{Src: whole, Pos: -1, Msg: "expression too long: the parser takes at most 10000 operands and operators; put many terms in a vector and use sum(w) or dot(w, v)"}
	case strings.HasPrefix(msg, "invalid float literal") || strings.HasPrefix(msg, "invalid integer literal"):
		lit := msg
		if i, j := strings.IndexByte(msg, '"'), strings.LastIndexByte(msg, '"'); i >= 0 && j > i {
			lit = msg[i+1 : j]
		}
		if strings.HasPrefix(msg, "invalid integer literal") && strings.Contains(msg, "out of range") {
			msg = fmt.Sprintf("integer %s is too large for the parser: write it with an exponent, e.g. %.3e", lit, parseOr(lit))
		} else if strings.Contains(msg, "out of range") {
			msg = fmt.Sprintf("number %s is out of range: numbers are float64, at most about 1.8e308 in size", lit)
		} else {
			msg = fmt.Sprintf("%s is not a number", lit)
		}
	}
	if strings.HasPrefix(msg, "unexpected token ") {
		tok := strings.TrimPrefix(msg, "unexpected token ")
		if tok == "EOF" {
			pos = utf8.RuneCountInString(strings.TrimRight(part, " \t\r\n"))
			msg = "unexpected end of expression"
		} else {
			if i := strings.IndexByte(tok, '('); i >= 0 && strings.HasSuffix(tok, ")") {
				tok = tok[i+1 : len(tok)-1]
			}
			msg = "unexpected " + tok
		}
		msg += ": " + expectation(part, pos)
	}
	return errorf(whole, off+pos, "%s", msg)
}

// expectation says what may come at rune offset pos of src, judging by the
// text before it: an operand after an operator or an opening bracket, an
// operator (or a closing bracket) after an operand.
func expectation(src string, pos int) string {
	before := []rune(src)
	before = before[:min(pos, len(before))]
	prev := ' '
	for i := len(before) - 1; i >= 0; i-- {
		if before[i] != ' ' && before[i] != '\t' && before[i] != '\n' && before[i] != '\r' {
			prev = before[i]
			break
		}
	}
	if strings.ContainsRune(" +-*/^(,[", prev) {
		return `expected a number, a variable, a function call or "("`
	}
	open := strings.Count(string(before), "(") - strings.Count(string(before), ")")
	if open > 0 {
		return `expected an operator or ")"`
	}
	return "expected an operator or the end of the expression"
}

type converter struct {
	src  string
	off  int
	vars map[string]int
	fns  *table
}

func (c *converter) errorf(n ast.Node, format string, args ...any) error {
	return errorf(c.src, c.off+n.Location().From, format, args...)
}

const operators = "+ - * / ^ **"

// convert maps expr-lang's syntax tree onto the subset this package
// evaluates, rejecting everything else at its place.
func (c *converter) convert(n ast.Node) (*node, error) {
	pos := c.off + n.Location().From
	switch n := n.(type) {
	case *ast.IntegerNode:
		return &node{kind: number, num: float64(n.Value), pos: pos}, nil
	case *ast.FloatNode:
		return &node{kind: number, num: n.Value, pos: pos}, nil
	case *ast.IdentifierNode:
		if _, ok := c.fns.funcs[n.Value]; ok {
			return nil, c.errorf(n, "%s is a function: expected %s(...)", n.Value, n.Value)
		}
		if _, seen := c.vars[n.Value]; !seen {
			c.vars[n.Value] = pos
		}
		return &node{kind: variable, op: n.Value, pos: pos}, nil
	case *ast.UnaryNode:
		if n.Operator != "-" && n.Operator != "+" {
			return nil, c.errorf(n, "unsupported operator %q: expected %s", n.Operator, operators)
		}
		x, err := c.convert(n.Node)
		if err != nil || n.Operator == "+" {
			return x, err
		}
		if x.kind == number {
			x.num, x.pos = -x.num, pos
			return x, nil
		}
		return &node{kind: neg, op: "-", args: []*node{x}, pos: pos}, nil
	case *ast.BinaryNode:
		op := n.Operator
		switch op {
		case "+", "-", "*", "/", "^":
		case "**":
			op = "^"
		default:
			return nil, c.errorf(n, "unsupported operator %q: expected %s", n.Operator, operators)
		}
		a, err := c.convert(n.Left)
		if err != nil {
			return nil, err
		}
		b, err := c.convert(n.Right)
		if err != nil {
			return nil, err
		}
		return &node{kind: binary, op: op, args: []*node{a, b}, pos: pos}, nil
	case *ast.BuiltinNode:
		return c.call(n, n.Name, n.Arguments)
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			return nil, c.errorf(n, "unsupported call: expected a function name such as sin(x)")
		}
		return c.call(n, id.Value, n.Arguments)
	case *ast.MemberNode:
		i, ok := indexValue(n.Property)
		if !ok || n.Optional || n.Method {
			return nil, c.errorf(n, "unsupported member access: expected an index like w[0]")
		}
		x, err := c.convert(n.Node)
		if err != nil {
			return nil, err
		}
		return &node{kind: index, num: float64(i), args: []*node{x}, pos: pos}, nil
	}
	return nil, c.errorf(n, "unsupported syntax: expected numbers, variables, %s, function calls and indexing w[i]", operators)
}

func (c *converter) call(n ast.Node, name string, args []ast.Node) (*node, error) {
	f, ok := c.fns.funcs[name]
	if !ok {
		return nil, c.errorf(n, "unknown function %q: expected one of %s", name, strings.Join(c.fns.names, ", "))
	}
	want := f.Arity
	if len(args) != want {
		plural := "s"
		if want == 1 {
			plural = ""
		}
		return nil, c.errorf(n, "%s takes %d argument%s, not %d", name, want, plural, len(args))
	}
	out := &node{kind: call, op: name, fn: f.Call, pos: c.off + n.Location().From}
	for _, a := range args {
		x, err := c.convert(a)
		if err != nil {
			return nil, err
		}
		out.args = append(out.args, x)
	}
	return out, nil
}

// indexValue reads an index written as an integer literal.
func indexValue(n ast.Node) (int, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		return n.Value, true
	case *ast.UnaryNode:
		if i, ok := n.Node.(*ast.IntegerNode); ok && n.Operator == "-" {
			return -i.Value, true
		}
	}
	return 0, false
}

// String returns the expression's source text.
func (e *Expr) String() string { return strings.TrimSpace(e.src) }

// Vars returns the names of the variables the expression uses, sorted.
func (e *Expr) Vars() []string {
	names := make([]string, 0, len(e.vars))
	for v := range e.vars {
		names = append(names, v)
	}
	sort.Strings(names)
	return names
}

// parseOr reads a decimal literal as a float64 for a message, or 0.
func parseOr(lit string) float64 {
	v, _ := strconv.ParseFloat(lit, 64)
	return v
}
