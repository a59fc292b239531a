package nabla

import (
	"fmt"
	"strings"
)

// A Program is a traced function: the straight-line list of ops that a
// compiled function replays, forward pass and backward pass, printable for
// reading (like jax.make_jaxpr). It shows what reverse mode computes, op by
// op, for a given function.
type Program struct {
	p        *program
	forward  int     // the steps of f itself; the rest is its backward pass
	shapes   [][]int // each value's shape
	dtypes   []DType
	outNames []string
}

// MakeProgram traces f at xs, as Compile does at its first call, and returns
// the program. f obeys Compile's rules.
func MakeProgram(f Func, xs ...*Tensor) *Program {
	return makeProgram(&compiled{who: "MakeProgram", f: f}, xs)
}

// MakeValueAndGradProgram traces f and its backward pass with respect to the
// arguments argnums (0 when none) at xs, as CompileValueAndGrad does.
func MakeValueAndGradProgram(f Func, argnums []int, xs ...*Tensor) *Program {
	if len(argnums) == 0 {
		argnums = []int{0}
	}
	c := &compiled{who: "MakeValueAndGradProgram", f: f, argnums: argnums, grad: true}
	checkArgnums(c.who, len(xs), argnums)
	return makeProgram(c, xs)
}

func makeProgram(c *compiled, xs []*Tensor) *Program {
	for _, x := range xs {
		checkLive(c.who, x)
	}
	var info traceInfo
	p, _ := c.traceWith(xs, &info)
	prog := &Program{p: p, forward: info.forward, shapes: make([][]int, p.nvals), dtypes: make([]DType, p.nvals)}
	for id, t := range info.vals {
		prog.shapes[id], prog.dtypes[id] = t.shape, t.dtype
	}
	prog.outNames = []string{"value"}
	for _, i := range c.argnums {
		prog.outNames = append(prog.outNames, fmt.Sprintf("grad x%d", i))
	}
	return prog
}

// traceInfo is what a trace knows beyond the program: where f's own ops end
// and which tensor each value index was.
type traceInfo struct {
	forward int
	vals    []*Tensor
}

// Len returns the number of ops in the program.
func (pr *Program) Len() int { return len(pr.p.steps) }

// String lists the program: the arguments, the constants, then one op per
// line, v7 = mul(v3, v6) with the value's dtype and shape, the backward
// pass's ops after a separator line, and the results.
func (pr *Program) String() string {
	var b strings.Builder
	name := func(id int32) string {
		if int(id) < pr.p.nargs {
			return fmt.Sprintf("x%d", id)
		}
		for _, c := range pr.p.consts {
			if c.id == id {
				return fmt.Sprintf("c%d", id)
			}
		}
		return fmt.Sprintf("v%d", id)
	}
	typ := func(id int32) string { return pr.dtypes[id].String() + fmtShape(pr.shapes[id]) }
	args := make([]string, pr.p.nargs)
	for i := range args {
		args[i] = fmt.Sprintf("x%d: %s", i, typ(int32(i)))
	}
	fmt.Fprintf(&b, "program(%s)\n", strings.Join(args, ", "))
	for _, c := range pr.p.consts {
		v := "…"
		if n := c.t.Size(); n <= 4 {
			vs := make([]string, n)
			for i := range vs {
				vs[i] = fmt.Sprintf("%g", c.t.at(i))
			}
			v = strings.Join(vs, " ")
		}
		fmt.Fprintf(&b, "  c%d = const %s %s\n", c.id, typ(c.id), v)
	}
	for i, s := range pr.p.steps {
		if i == pr.forward && pr.forward < len(pr.p.steps) {
			b.WriteString("  -- backward --\n")
		}
		in := make([]string, len(s.in))
		for k, id := range s.in {
			in[k] = name(id)
		}
		fmt.Fprintf(&b, "  %-5s = %s(%s)", name(s.out), stepName(&s), strings.Join(in, ", "))
		fmt.Fprintf(&b, "  %s", typ(s.out))
		if s.saved >= 0 {
			fmt.Fprintf(&b, ", saves %s", name(s.saved))
		}
		b.WriteByte('\n')
	}
	outs := make([]string, len(pr.p.outs))
	for i, id := range pr.p.outs {
		outs[i] = name(id)
		if i < len(pr.outNames) {
			outs[i] += " (" + pr.outNames[i] + ")"
		}
	}
	fmt.Fprintf(&b, "  return %s\n", strings.Join(outs, ", "))
	return b.String()
}

// stepName is an op's name with its parameters, when it has any.
func stepName(s *step) string {
	switch p := s.params.(type) {
	case nil:
		if s.hasAff && s.aff.b == 0 {
			return fmt.Sprintf("%s[%g·x]", s.op.Name, s.aff.a)
		}
		if s.hasAff {
			return fmt.Sprintf("%s[%g·x%+g]", s.op.Name, s.aff.a, s.aff.b)
		}
		return s.op.Name
	case opaqueFn:
		return p.name
	case sliceParams:
		end := p.start
		if p.count > 0 {
			end += (p.count-1)*p.step + 1
		}
		return fmt.Sprintf("%s[axis %d, %d:%d:%d]", s.op.Name, p.axis, p.start, end, p.step)
	case reduceParams:
		if p.keep {
			return fmt.Sprintf("%s[axes %v, keep]", s.op.Name, p.axes)
		}
		return fmt.Sprintf("%s[axes %v]", s.op.Name, p.axes)
	case float64:
		return fmt.Sprintf("%s[%g]", s.op.Name, p)
	case []int:
		return s.op.Name + fmtShape(p)
	case mmParams:
		name := s.op.Name
		switch {
		case p.ta && p.tb:
			name += "[aᵀ·bᵀ]"
		case p.ta:
			name += "[aᵀ·b]"
		case p.tb:
			name += "[a·bᵀ]"
		}
		return name
	case clampParams:
		return fmt.Sprintf("%s[%g, %g]", s.op.Name, p.Lo, p.Hi)
	}
	return fmt.Sprintf("%s[%v]", s.op.Name, s.params)
}
