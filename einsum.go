package nabla

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Einsum evaluates the Einstein summation equation on the operands, like
// torch.einsum and numpy.einsum: "ij,jk->ik" is a matrix product,
// "bij,bjk->bik" a batched one, "ii->i" a diagonal, "ii" a trace, "ij->ji"
// a transpose, "i,j->ij" an outer product. Labels are ASCII letters, one per
// dimension; a label repeated in one operand takes its diagonal. Without
// "->" the output holds the labels that appear once, in alphabetical
// (ASCII) order, after the ellipsis's dimensions. An ellipsis ("...") stands
// for the dimensions that the labels of its operand leave, aligned at the
// right across operands as broadcasting aligns shapes ("...ij,...jk->...ik"
// is a batched matrix product); an output without one sums them.
// Dimensions of size 1 broadcast against the label's size elsewhere. Spaces
// are ignored.
//
// Einsum lowers the equation to Permute, Reshape, Sum, Expand, a gather for
// diagonals and MatMul, contracting the operands from left to right, so it
// has no derivative rules of its own: gradients of every order come from
// those ops. A malformed equation panics with an error naming the position
// of the fault.
func Einsum(equation string, operands ...*Tensor) *Tensor {
	ranks := make([]int, len(operands))
	for i, x := range operands {
		ranks[i] = len(x.shape)
	}
	spec, err := parseEinsum(equation, ranks)
	if err != nil {
		panicf("einsum", "%v", err)
	}
	// The size of every label; a size of 1 broadcasts.
	size := map[byte]int{}
	where := map[byte]int{}
	for k, labels := range spec.inputs {
		for d, l := range []byte(labels) {
			n := operands[k].shape[d]
			m, seen := size[l]
			switch {
			case !seen || m == 1:
				size[l], where[l] = n, k
			case n != m && n != 1:
				panicf("einsum", "label %s has size %d in operand %d and size %d in operand %d (%q)", labelName(l), m, where[l], n, k, equation)
			}
		}
	}
	needed := func(from int) string { // labels of the output and of operands from on
		return spec.output + strings.Join(spec.inputs[min(from, len(spec.inputs)):], "")
	}
	terms := make([]term, len(operands))
	for k, x := range operands {
		t := diagonal(term{x, spec.inputs[k]}, k, equation)
		// Broadcast size-1 dimensions to their label's size.
		shape := make([]int, len(t.labels))
		for d, l := range []byte(t.labels) {
			shape[d] = size[l]
		}
		t.x = Expand(t.x, shape...)
		terms[k] = t
	}
	cur := terms[0].sumOut(needed(1))
	for k := 1; k < len(terms); k++ {
		later := needed(k + 1)
		cur = contract(cur.sumOut(later+terms[k].labels), terms[k].sumOut(later+cur.labels), later)
	}
	cur = cur.sumOut(spec.output)
	return cur.to(spec.output)
}

// term is an operand with the labels of its dimensions.
type term struct {
	x      *Tensor
	labels string
}

// diagonal returns t with each repeated label taken once, on the diagonal.
func diagonal(t term, k int, eq string) term {
	var uniq []byte
	for _, l := range []byte(t.labels) {
		if !slices.Contains(uniq, l) {
			uniq = append(uniq, l)
		}
	}
	if len(uniq) == len(t.labels) {
		return t
	}
	st := stridesOf(t.x.shape)
	shape := make([]int, len(uniq))
	stride := make([]int, len(uniq)) // the input offset per step of each unique label
	for d, l := range []byte(t.labels) {
		u := slices.Index(uniq, l)
		if stride[u] != 0 && shape[u] != t.x.shape[d] {
			panicf("einsum", "label %s repeats in operand %d with sizes %d and %d (%q)", labelName(l), k, shape[u], t.x.shape[d], eq)
		}
		shape[u] = t.x.shape[d]
		stride[u] += st[d]
	}
	index := make([]int, numel(shape))
	coord := make([]int, len(shape))
	for i := range index {
		for u, c := range coord {
			index[i] += c * stride[u]
		}
		for u := len(coord) - 1; u >= 0; u-- {
			if coord[u]++; coord[u] < shape[u] {
				break
			}
			coord[u] = 0
		}
	}
	return term{gather(t.x, index, shape), string(uniq)}
}

// sumOut sums t over its labels that keep does not hold.
func (t term) sumOut(keep string) term {
	var axes []int
	var rest []byte
	for d, l := range []byte(t.labels) {
		if strings.IndexByte(keep, l) < 0 {
			axes = append(axes, d)
		} else {
			rest = append(rest, l)
		}
	}
	if len(axes) == 0 {
		return t
	}
	return term{Sum(t.x, axes...), string(rest)}
}

// to permutes t's dimensions into the order of labels (which holds t's
// labels).
func (t term) to(labels string) *Tensor {
	perm := make([]int, len(labels))
	for i, l := range []byte(labels) {
		perm[i] = strings.IndexByte(t.labels, l)
	}
	return Permute(t.x, perm...)
}

// contract multiplies a and b and sums over the labels they share that
// later does not hold, as one batched MatMul: a as [batch, a's own,
// shared], b as [batch, shared, b's own].
func contract(a, b term, later string) term {
	var batch, shared, aOwn, bOwn []byte
	for _, l := range []byte(a.labels) {
		switch {
		case strings.IndexByte(b.labels, l) < 0:
			aOwn = append(aOwn, l)
		case strings.IndexByte(later, l) >= 0:
			batch = append(batch, l)
		default:
			shared = append(shared, l)
		}
	}
	for _, l := range []byte(b.labels) {
		if strings.IndexByte(a.labels, l) < 0 {
			bOwn = append(bOwn, l)
		}
	}
	dims := func(t term, ls []byte) (shape []int, n int) {
		n = 1
		for _, l := range ls {
			s := t.x.shape[strings.IndexByte(t.labels, l)]
			shape, n = append(shape, s), n*s
		}
		return shape, n
	}
	bs, nb := dims(a, batch)
	_, nk := dims(a, shared)
	as, na := dims(a, aOwn)
	os, no := dims(b, bOwn)
	x, y := a.to(string(batch)+string(aOwn)+string(shared)), b.to(string(batch)+string(shared)+string(bOwn))
	if len(batch) == 0 {
		x, y = Reshape(x, na, nk), Reshape(y, nk, no)
	} else {
		x, y = Reshape(x, nb, na, nk), Reshape(y, nb, nk, no)
	}
	shape := append(append(bs, as...), os...)
	return term{Reshape(MatMul(x, y), shape...), string(batch) + string(aOwn) + string(bOwn)}
}

type einsumSpec struct {
	inputs []string // the labels of each operand, an ellipsis's dimensions as bytes ≥ 0x80
	output string
}

// ellipsisLabels returns the labels of an ellipsis of n dimensions. They are
// aligned at the right, as broadcasting aligns shapes: the last dimension
// of every ellipsis has the label 0x80.
func ellipsisLabels(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(0x80 + n - 1 - i)
	}
	return string(b)
}

func isLabel(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// labelName returns how an error names a label.
func labelName(l byte) string {
	if l >= 0x80 {
		return "the ellipsis's dimension " + strconv.Itoa(int(l-0x80)) + " from the right"
	}
	return strconv.QuoteRune(rune(l))
}

// parseEinsum parses an einsum equation for operands of the given ranks.
// Its errors name the position (from 0) of the fault in the equation.
func parseEinsum(eq string, ranks []int) (einsumSpec, error) {
	var spec einsumSpec
	var raw []string // each operand's labels, '.' for an ellipsis
	var ends []int   // the position just after each operand
	var cur []byte
	out := -1 // where the output starts, after "->"
	for i := 0; i < len(eq); i++ {
		c := eq[i]
		switch {
		case c == ' ':
		case isLabel(c):
			cur = append(cur, c)
		case c == '.' && !strings.HasPrefix(eq[i:], "..."):
			return spec, fmt.Errorf("position %d: a '.' that does not start an ellipsis (...) in %q", i, eq)
		case c == '.' && bytes.IndexByte(cur, '.') >= 0:
			return spec, fmt.Errorf("position %d: a second ellipsis in one term of %q", i, eq)
		case c == '.':
			cur = append(cur, '.')
			i += 2
		case c == ',' && out < 0:
			raw, ends, cur = append(raw, string(cur)), append(ends, i), nil
		case c == ',':
			return spec, fmt.Errorf("position %d: a comma in the output of %q", i, eq)
		case c == '-' && i+1 < len(eq) && eq[i+1] == '>' && out < 0:
			raw, ends, cur = append(raw, string(cur)), append(ends, i), nil
			out = i + 2
			i++
		case c == '-' && i+1 < len(eq) && eq[i+1] == '>':
			return spec, fmt.Errorf("position %d: a second \"->\" in %q", i, eq)
		default:
			return spec, fmt.Errorf("position %d: unexpected character %q in %q (labels are letters a-z, A-Z)", i, c, eq)
		}
	}
	if out < 0 {
		raw, ends = append(raw, string(cur)), append(ends, len(eq))
	}
	if len(raw) != len(ranks) {
		return spec, fmt.Errorf("%q has %d operands, but %d tensors were given", eq, len(raw), len(ranks))
	}
	widest := 0 // the most dimensions an ellipsis stands for
	for k, r := range raw {
		n, ell := len(r), strings.IndexByte(r, '.') >= 0
		if ell {
			n--
		}
		switch {
		case !ell && n != ranks[k]:
			return spec, fmt.Errorf("position %d: operand %d has %d labels for a tensor of %d dimensions in %q", ends[k], k, n, ranks[k], eq)
		case ell && n > ranks[k]:
			return spec, fmt.Errorf("position %d: operand %d has %d labels and an ellipsis for a tensor of %d dimensions in %q", ends[k], k, n, ranks[k], eq)
		case ell:
			widest = max(widest, ranks[k]-n)
			r = strings.Replace(r, ".", ellipsisLabels(ranks[k]-n), 1)
		}
		spec.inputs = append(spec.inputs, r)
	}
	all := strings.Join(spec.inputs, "")
	if out < 0 {
		// Implicit: the ellipsis's dimensions, then the labels that appear
		// once, in alphabetical order (as torch.einsum).
		count := map[byte]int{}
		for _, l := range []byte(all) {
			count[l]++
		}
		var once []byte
		for l, n := range count {
			if n == 1 && l < 0x80 {
				once = append(once, l)
			}
		}
		slices.Sort(once)
		spec.output = ellipsisLabels(widest) + string(once)
		return spec, nil
	}
	var labels []byte
	for i := out; i < len(eq); i++ {
		l := eq[i]
		switch {
		case l == ' ':
		case l == '.':
			labels = append(labels, ellipsisLabels(widest)...)
			i += 2 // the scan above checked it is "..." and the only one
		case strings.IndexByte(all, l) < 0:
			return spec, fmt.Errorf("position %d: output label %q appears in no operand of %q", i, l, eq)
		case bytes.IndexByte(labels, l) >= 0:
			return spec, fmt.Errorf("position %d: output label %q repeats in %q", i, l, eq)
		default:
			labels = append(labels, l)
		}
	}
	spec.output = string(labels)
	return spec, nil
}
