package nabla

import (
	"github.com/nabla-go/nabla/internal/kernel"
	"slices"
)

// Shape primitives: reshape, expand, permute, gather/scatter by flat index and
// concat. Slicing, indexing, take, squeeze, stack and split are compositions.

func stridedForward(x *Tensor, shape, st []int) *Tensor {
	out := newTensorRaw(live(x.tape), x.dtype, shape)
	if x.dtype == Float32 {
		kernel.Strided(out.f32, x.f32, shape, st)
	} else {
		kernel.Strided(out.f64, x.f64, shape, st)
	}
	return out
}

var reshapeOp *Op

func init() {
	reshapeOp = Register(&Op{
		Name:     "reshape",
		Jet:      JetLinear,
		Batch:    batchReshape,
		anyDType: true,
		// Tensors are immutable, so the result shares x's memory.
		Forward: func(c *Ctx) *Tensor {
			return viewOf(c.Inputs[0], c.Params.([]int))
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Reshape(g, c.Inputs[0].shape...)} },
		JVP: func(c *Ctx, d []*Tensor) *Tensor { return Reshape(d[0], c.Params.([]int)...) },
		Cases: []Case{
			{Name: "matrix-to-vector", Shapes: [][]int{{2, 3}}, Params: []int{6}},
			{Name: "vector-to-3d", Shapes: [][]int{{6}}, Params: []int{3, 1, 2}},
		},
	})
}

// Reshape returns x with a new shape of the same size, sharing its memory. One
// dimension may be -1, inferred from the others.
func Reshape(x *Tensor, shape ...int) *Tensor {
	shape = append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panicf("reshape", "invalid dimension %d in shape %v", d, shape)
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || x.Size()%known != 0 {
			panicf("reshape", "cannot reshape %s into %v", fmtShape(x.shape), shape)
		}
		shape[infer] = x.Size() / known
	}
	if numel(shape) != x.Size() {
		panicf("reshape", "cannot reshape %s (%d elements) into %s (%d elements)", fmtShape(x.shape), x.Size(), fmtShape(shape), numel(shape))
	}
	if sameShape(shape, x.shape) {
		return x
	}
	return reshapeOp.Apply(shape, x)
}

// Reshape returns t with a new shape; see the function Reshape.
func (t *Tensor) Reshape(shape ...int) *Tensor { return Reshape(t, shape...) }

// Flatten returns x as a vector.
func Flatten(x *Tensor) *Tensor { return Reshape(x, x.Size()) }

var expandOp *Op

func init() {
	expandOp = Register(&Op{
		Name:     "expand",
		Jet:      JetLinear,
		Batch:    batchExpand,
		anyDType: true,
		Forward: func(c *Ctx) *Tensor {
			x, shape := c.Inputs[0], c.Params.([]int)
			return stridedForward(x, shape, broadcastStrides(x.shape, shape))
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{sumToShape(g, c.Inputs[0].shape)} },
		JVP: func(c *Ctx, d []*Tensor) *Tensor { return Expand(d[0], c.Params.([]int)...) },
		Cases: []Case{
			{Name: "row", Shapes: [][]int{{3}}, Params: []int{2, 3}},
			{Name: "column", Shapes: [][]int{{2, 1}}, Params: []int{2, 3}},
			{Name: "scalar", Shapes: [][]int{{}}, Params: []int{2, 2}},
		},
	})
}

// Expand broadcasts x to shape by NumPy's rules (like torch.broadcast_to).
func Expand(x *Tensor, shape ...int) *Tensor {
	if sameShape(x.shape, shape) {
		return x
	}
	shape = append([]int(nil), shape...)
	b := broadcastShapes("expand", x.shape, shape)
	if !sameShape(b, shape) {
		panicf("expand", "cannot broadcast %s to %s", fmtShape(x.shape), fmtShape(shape))
	}
	return expandOp.Apply(shape, x)
}

var permuteOp *Op

func init() {
	permuteOp = Register(&Op{
		Name:     "permute",
		Jet:      JetLinear,
		Batch:    batchPermute,
		anyDType: true,
		Forward: func(c *Ctx) *Tensor {
			x, perm := c.Inputs[0], c.Params.([]int)
			inSt := stridesOf(x.shape)
			shape, st := make([]int, len(perm)), make([]int, len(perm))
			for i, p := range perm {
				shape[i], st[i] = x.shape[p], inSt[p]
			}
			return stridedForward(x, shape, st)
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{Permute(g, invertPerm(c.Params.([]int))...)} },
		JVP: func(c *Ctx, d []*Tensor) *Tensor { return Permute(d[0], c.Params.([]int)...) },
		Cases: []Case{
			{Name: "matrix", Shapes: [][]int{{2, 3}}, Params: []int{1, 0}},
			{Name: "3d", Shapes: [][]int{{2, 3, 2}}, Params: []int{2, 0, 1}},
		},
	})
}

func invertPerm(p []int) []int {
	inv := make([]int, len(p))
	for i, v := range p {
		inv[v] = i
	}
	return inv
}

// Permute reorders the dimensions of x: dimension i of the result is
// dimension perm[i] of x.
func Permute(x *Tensor, perm ...int) *Tensor {
	if len(perm) != len(x.shape) {
		panicf("permute", "permutation %v has %d entries for a tensor of shape %s", perm, len(perm), fmtShape(x.shape))
	}
	seen := make([]bool, len(perm))
	identity := true
	for i, p := range perm {
		q := normAxis("permute", p, len(perm))
		if seen[q] {
			panicf("permute", "%v is not a permutation", perm)
		}
		seen[q] = true
		identity = identity && q == i
	}
	if identity {
		return x
	}
	norm := make([]int, len(perm))
	for i, p := range perm {
		norm[i] = normAxis("permute", p, len(perm))
	}
	return permuteOp.Apply(norm, x)
}

// Transpose swaps two dimensions of x.
func Transpose(x *Tensor, a, b int) *Tensor {
	r := len(x.shape)
	a, b = normAxis("transpose", a, r), normAxis("transpose", b, r)
	perm := make([]int, r)
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = perm[b], perm[a]
	return Permute(x, perm...)
}

// T returns the transpose of a matrix (the last two dimensions swapped for a
// batch of matrices).
func (t *Tensor) T() *Tensor {
	if len(t.shape) < 2 {
		panicf("T", "tensor of shape %s has fewer than 2 dimensions", fmtShape(t.shape))
	}
	return Transpose(t, -2, -1)
}

type gatherParams struct {
	index []int // out.flat[i] = x.flat[index[i]]
	shape []int // output shape
}

var gatherOp *Op

func init() {
	gatherOp = Register(&Op{
		Name:     "gather",
		Jet:      JetLinear,
		Batch:    batchGather,
		anyDType: true,
		Forward: func(c *Ctx) *Tensor {
			x, p := c.Inputs[0], c.Params.(gatherParams)
			if len(p.index) != numel(p.shape) {
				panicf("gather", "%d indices for an output of shape %s", len(p.index), fmtShape(p.shape))
			}
			out := newTensorRaw(live(x.tape), x.dtype, p.shape) // every element is written
			if x.dtype == Float32 {
				for i, j := range p.index {
					out.f32[i] = x.f32[j]
				}
			} else {
				for i, j := range p.index {
					out.f64[i] = x.f64[j]
				}
			}
			return out
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			p := c.Params.(gatherParams)
			return []*Tensor{scatterAddOp.Apply(gatherParams{p.index, c.Inputs[0].shape}, g)}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor { return gatherOp.Apply(c.Params, d[0]) },
		Cases: []Case{
			{Name: "repeated", Shapes: [][]int{{4}}, Params: gatherParams{[]int{3, 0, 0, 2, 1}, []int{5}}},
			{Name: "to-matrix", Shapes: [][]int{{2, 3}}, Params: gatherParams{[]int{5, 4, 0, 1}, []int{2, 2}}},
		},
	})
}

var scatterAddOp *Op

func init() {
	scatterAddOp = Register(&Op{
		Name:  "scatter_add",
		Jet:   JetLinear,
		Batch: batchGather,
		// Data tensors pass too (Pad of a mask): no index is repeated there.
		anyDType: true,
		// out = zeros(shape); out.flat[index[i]] += g.flat[i]: the transpose of gather.
		Forward: func(c *Ctx) *Tensor {
			g, p := c.Inputs[0], c.Params.(gatherParams)
			out := newTensor(live(g.tape), g.dtype, p.shape)
			if g.dtype == Float32 {
				for i, j := range p.index {
					out.f32[j] += g.f32[i]
				}
			} else {
				for i, j := range p.index {
					out.f64[j] += g.f64[i]
				}
			}
			return out
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			p := c.Params.(gatherParams)
			return []*Tensor{gatherOp.Apply(gatherParams{p.index, c.Inputs[0].shape}, g)}
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor { return scatterAddOp.Apply(c.Params, d[0]) },
		Cases: []Case{
			{Name: "repeated", Shapes: [][]int{{5}}, Params: gatherParams{[]int{3, 0, 0, 2, 1}, []int{4}}},
		},
	})
}

// gather returns the tensor of the given shape whose flat element i is x's
// flat element index[i]; all indexing operations reduce to it.
func gather(x *Tensor, index []int, shape []int) *Tensor {
	return gatherOp.Apply(gatherParams{index, shape}, x)
}

// Slice returns the elements start, start+step, ... (up to but excluding end)
// along axis, like x[start:end:step] in NumPy. Negative start and end count
// from the end; they are clipped to the axis as Python does.
func Slice(x *Tensor, axis, start, end, step int) *Tensor {
	ax := normAxis("slice", axis, len(x.shape))
	n := x.shape[ax]
	if step <= 0 {
		panicf("slice", "step %d must be positive", step)
	}
	clip := func(i int) int {
		if i < 0 {
			i += n
		}
		return min(max(i, 0), n)
	}
	start, end = clip(start), clip(end)
	count := 0
	if end > start {
		count = (end - start + step - 1) / step
	}
	if count == n && step == 1 {
		return x
	}
	out := slices.Clone(x.shape)
	out[ax] = count
	return sliceOp.Apply(sliceParams{ax, start, step, count, x.shape, out}, x)
}

type sliceParams struct {
	axis, start, step, count int
	in                       []int // the shape of the sliced tensor
	out                      []int // the slice's shape, when known (nil: computed)
}

// copyStrided copies count blocks of inner elements along an axis: for slicing
// (gathering blocks start, start+step, ... of src into dst) or, with scatter,
// back into place.
func copyStrided[T kernel.Float](dst, src []T, p sliceParams, scatter bool) {
	outer := numel(p.in[:p.axis])
	inner := numel(p.in[p.axis+1:])
	n := p.in[p.axis]
	if inner == 1 {
		for o := 0; o < outer; o++ {
			if scatter {
				scatterStep(dst[o*n+p.start:], src[o*p.count:(o+1)*p.count], p.step)
				continue
			}
			gatherStep(dst[o*p.count:(o+1)*p.count], src[o*n+p.start:], p.step)
		}
		return
	}
	for o := 0; o < outer; o++ {
		for i := 0; i < p.count; i++ {
			full := (o*n + p.start + i*p.step) * inner
			part := (o*p.count + i) * inner
			if scatter {
				copy(dst[full:full+inner], src[part:part+inner])
			} else {
				copy(dst[part:part+inner], src[full:full+inner])
			}
		}
	}
}

// gatherStep sets part[i] = full[i*step].
func gatherStep[T kernel.Float](part, full []T, step int) {
	if len(part) == 0 {
		return
	}
	if step == 2 {
		kernel.Gather2(part, full)
		return
	}
	full = full[:(len(part)-1)*step+1]
	j := 0
	for i := range part {
		part[i] = full[j]
		j += step
	}
}

// scatterStep sets full[i*step] = part[i].
func scatterStep[T kernel.Float](full, part []T, step int) {
	if len(part) == 0 {
		return
	}
	full = full[:(len(part)-1)*step+1]
	if step == 2 {
		for i, v := range part {
			full[2*i] = v
		}
		return
	}
	j := 0
	for _, v := range part {
		full[j] = v
		j += step
	}
}

// scatterPad sets full[start+i*step] = part[i] and every other element of
// full to zero, in one pass (no clearing first).
func scatterPad[T kernel.Float](full, part []T, start, step int) {
	if step == 2 && len(part) > 0 {
		base := start &^ 1
		clear(full[:base])
		kernel.Spread2(full[base:], part, start&1 == 1)
		return
	}
	clear(full[:start])
	j := start
	for _, v := range part {
		full[j] = v
		end := min(j+step, len(full))
		clear(full[j+1 : end])
		j = end
	}
	clear(full[min(j, len(full)):])
}

// sliceAdd adds g, the gradient of a slice with parameters p, into acc, a
// gradient of the sliced tensor's shape.
func sliceAdd(acc, g *Tensor, p sliceParams) {
	if acc.dtype == Float32 {
		addStrided(acc.f32, g.f32, p)
	} else {
		addStrided(acc.f64, g.f64, p)
	}
}

func addStrided[T kernel.Float](dst, src []T, p sliceParams) {
	outer := numel(p.in[:p.axis])
	inner := numel(p.in[p.axis+1:])
	n := p.in[p.axis]
	for o := 0; o < outer; o++ {
		if inner == 1 {
			part := src[o*p.count : (o+1)*p.count]
			if len(part) == 0 {
				continue
			}
			full := dst[o*n+p.start:]
			full = full[:(len(part)-1)*p.step+1]
			if p.step == 1 {
				kernel.AddInPlace(full, part)
				continue
			}
			j := 0
			for _, v := range part {
				full[j] += v
				j += p.step
			}
			continue
		}
		if p.step == 1 {
			lo := (o*n + p.start) * inner
			kernel.AddInPlace(dst[lo:lo+p.count*inner], src[o*p.count*inner:(o+1)*p.count*inner])
			continue
		}
		for i := 0; i < p.count; i++ {
			full := (o*n + p.start + i*p.step) * inner
			part := (o*p.count + i) * inner
			kernel.AddInPlace(dst[full:full+inner], src[part:part+inner])
		}
	}
}

func sliceForward(x *Tensor, p sliceParams, scatter bool) *Tensor {
	var shape []int
	switch {
	case scatter:
		shape = p.in
	case p.out != nil:
		shape = p.out
	default:
		shape = slices.Clone(p.in)
		shape[p.axis] = p.count
	}
	if !scatter {
		if p.step == 1 && numel(p.in[:p.axis]) == 1 {
			// One contiguous block: a view, like Reshape's.
			inner := numel(p.in[p.axis+1:])
			lo, hi := p.start*inner, (p.start+p.count)*inner
			return viewRange(x, shape, lo, hi)
		}
		out := newTensorRaw(live(x.tape), x.dtype, shape)
		if x.dtype == Float32 {
			copyStrided(out.f32, x.f32, p, false)
		} else {
			copyStrided(out.f64, x.f64, p, false)
		}
		return out
	}
	if p.step == 1 {
		// Contiguous blocks: zero only around them.
		out := newTensorRaw(live(x.tape), x.dtype, shape)
		if x.dtype == Float32 {
			padBlocks(out.f32, x.f32, p)
		} else {
			padBlocks(out.f64, x.f64, p)
		}
		return out
	}
	if numel(p.in[:p.axis]) == 1 && numel(p.in[p.axis+1:]) == 1 {
		// A strided vector: write the values and the zeros between them.
		out := newTensorRaw(live(x.tape), x.dtype, shape)
		if x.dtype == Float32 {
			scatterPad(out.f32, x.f32, p.start, p.step)
		} else {
			scatterPad(out.f64, x.f64, p.start, p.step)
		}
		return out
	}
	out := newTensor(live(x.tape), x.dtype, shape)
	if x.dtype == Float32 {
		copyStrided(out.f32, x.f32, p, scatter)
	} else {
		copyStrided(out.f64, x.f64, p, scatter)
	}
	return out
}

// padBlocks writes into dst, of the sliced tensor's shape, the step-1 slice
// src in place and zeros around it.
func padBlocks[T kernel.Float](dst, src []T, p sliceParams) {
	outer := numel(p.in[:p.axis])
	inner := numel(p.in[p.axis+1:])
	n := p.in[p.axis]
	for o := 0; o < outer; o++ {
		row := dst[o*n*inner : (o+1)*n*inner]
		lo, hi := p.start*inner, (p.start+p.count)*inner
		clear(row[:lo])
		copy(row[lo:hi], src[o*p.count*inner:(o+1)*p.count*inner])
		clear(row[hi:])
	}
}

var sliceOp, unsliceOp *Op

func init() {
	sliceOp = Register(&Op{
		Name:     "slice",
		Jet:      JetLinear,
		Batch:    batchSlice,
		anyDType: true,
		Forward:  func(c *Ctx) *Tensor { return sliceForward(c.Inputs[0], c.Params.(sliceParams), false) },
		VJP:      func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{unsliceOp.Apply(c.Params, g)} },
		AddVJP:   func(c *Ctx, g, acc *Tensor) { sliceAdd(acc, g, c.Params.(sliceParams)) },
		JVP:      func(c *Ctx, d []*Tensor) *Tensor { return sliceOp.Apply(c.Params, d[0]) },
		Cases: []Case{
			{Name: "strided", Shapes: [][]int{{7}}, Params: sliceParams{0, 1, 2, 3, []int{7}, nil}},
			{Name: "columns", Shapes: [][]int{{2, 4}}, Params: sliceParams{1, 1, 1, 2, []int{2, 4}, nil}},
			{Name: "rows-view", Shapes: [][]int{{4, 3}}, Params: sliceParams{0, 1, 1, 2, []int{4, 3}, nil}},
		},
	})
	unsliceOp = Register(&Op{
		Name:     "unslice",
		Jet:      JetLinear,
		Batch:    batchSlice,
		anyDType: true,
		// The transpose of slice: the slice's values in place, zeros elsewhere.
		Forward: func(c *Ctx) *Tensor { return sliceForward(c.Inputs[0], c.Params.(sliceParams), true) },
		VJP:     func(c *Ctx, g *Tensor) []*Tensor { return []*Tensor{sliceOp.Apply(c.Params, g)} },
		JVP:     func(c *Ctx, d []*Tensor) *Tensor { return unsliceOp.Apply(c.Params, d[0]) },
		Cases: []Case{
			{Name: "strided", Shapes: [][]int{{3}}, Params: sliceParams{0, 1, 2, 3, []int{7}, nil}},
			{Name: "columns", Shapes: [][]int{{2, 2}}, Params: sliceParams{1, 1, 1, 2, []int{2, 4}, nil}},
		},
	})
}

// takeAxis selects the given indices along a (normalised) axis.
func takeAxis(x *Tensor, ax int, sel []int) *Tensor {
	outer := numel(x.shape[:ax])
	inner := numel(x.shape[ax+1:])
	n := x.shape[ax]
	shape := append([]int(nil), x.shape...)
	shape[ax] = len(sel)
	index := make([]int, 0, outer*len(sel)*inner)
	for o := 0; o < outer; o++ {
		for _, s := range sel {
			base := (o*n + s) * inner
			for i := 0; i < inner; i++ {
				index = append(index, base+i)
			}
		}
	}
	return gather(x, index, shape)
}

// Take returns the entries of x at the given indices along axis (NumPy's take,
// PyTorch's index_select). Negative indices count from the end.
func Take(x *Tensor, axis int, indices []int) *Tensor {
	ax := normAxis("take", axis, len(x.shape))
	n := x.shape[ax]
	sel := make([]int, len(indices))
	for i, j := range indices {
		if j < 0 {
			j += n
		}
		if j < 0 || j >= n {
			panicf("take", "index %d is out of range for axis %d of size %d", indices[i], axis, n)
		}
		sel[i] = j
	}
	return takeAxis(x, ax, sel)
}

// Index returns x[i] along the first axis, with that axis removed.
func Index(x *Tensor, i int) *Tensor {
	if len(x.shape) == 0 {
		panicf("index", "cannot index a scalar")
	}
	n := x.shape[0]
	j := i
	if j < 0 {
		j += n
	}
	if j < 0 || j >= n {
		panicf("index", "index %d is out of range for axis 0 of size %d", i, n)
	}
	return Squeeze(Slice(x, 0, j, j+1, 1), 0)
}

// TakeAlongAxis picks, for every position of the other axes, k entries along
// axis (NumPy's take_along_axis, PyTorch's gather). indices holds, in row-major
// order, an array of x's shape with dimension axis replaced by k.
func TakeAlongAxis(x *Tensor, axis int, indices []int) *Tensor {
	ax := normAxis("take_along_axis", axis, len(x.shape))
	n := x.shape[ax]
	outer, inner := numel(x.shape[:ax]), numel(x.shape[ax+1:])
	if outer*inner == 0 || len(indices)%(outer*inner) != 0 {
		panicf("take_along_axis", "%d indices do not fit a tensor of shape %s along axis %d", len(indices), fmtShape(x.shape), axis)
	}
	k := len(indices) / (outer * inner)
	shape := append([]int(nil), x.shape...)
	shape[ax] = k
	index := make([]int, len(indices))
	for o := 0; o < outer; o++ {
		for j := 0; j < k; j++ {
			for i := 0; i < inner; i++ {
				p := (o*k+j)*inner + i
				s := indices[p]
				if s < 0 {
					s += n
				}
				if s < 0 || s >= n {
					panicf("take_along_axis", "index %d at position %d is out of range for axis %d of size %d", indices[p], p, axis, n)
				}
				index[p] = (o*n+s)*inner + i
			}
		}
	}
	return gather(x, index, shape)
}

// Squeeze removes the given dimensions of size 1 (all of them when none are
// given).
func Squeeze(x *Tensor, axes ...int) *Tensor {
	var shape []int
	if len(axes) == 0 {
		for _, d := range x.shape {
			if d != 1 {
				shape = append(shape, d)
			}
		}
		return Reshape(x, shape...)
	}
	drop := normAxes("squeeze", axes, len(x.shape))
	for _, a := range drop {
		if x.shape[a] != 1 {
			panicf("squeeze", "dimension %d of shape %s has size %d, not 1", a, fmtShape(x.shape), x.shape[a])
		}
	}
	for i, d := range x.shape {
		if !containsInt(drop, i) {
			shape = append(shape, d)
		}
	}
	return Reshape(x, shape...)
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Unsqueeze inserts a dimension of size 1 at axis (which may be len(shape),
// or negative counting from the end of the new shape).
func Unsqueeze(x *Tensor, axis int) *Tensor {
	ax := normAxis("unsqueeze", axis, len(x.shape)+1)
	shape := make([]int, 0, len(x.shape)+1)
	shape = append(shape, x.shape[:ax]...)
	shape = append(shape, 1)
	shape = append(shape, x.shape[ax:]...)
	return Reshape(x, shape...)
}

var concatOp *Op

func init() {
	concatOp = Register(&Op{
		Name:     "concat",
		Jet:      JetLinear,
		Batch:    batchConcat,
		anyDType: true,
		Forward: func(c *Ctx) *Tensor {
			ax := c.Params.(int)
			xs := c.Inputs
			dt := checkDType("concat", xs...)
			shape := append([]int(nil), xs[0].shape...)
			shape[ax] = 0
			for i, x := range xs {
				if len(x.shape) != len(shape) {
					panicf("concat", "input %d has shape %s, input 0 has %s", i, fmtShape(x.shape), fmtShape(xs[0].shape))
				}
				for d := range shape {
					if d != ax && x.shape[d] != xs[0].shape[d] {
						panicf("concat", "input %d has shape %s, input 0 has %s: they differ outside axis %d", i, fmtShape(x.shape), fmtShape(xs[0].shape), ax)
					}
				}
				shape[ax] += x.shape[ax]
			}
			out := newTensor(c.tape, dt, shape)
			outer, inner := numel(shape[:ax]), numel(shape[ax+1:])
			off := 0
			for _, x := range xs {
				w := x.shape[ax] * inner
				for o := 0; o < outer; o++ {
					dst := o*shape[ax]*inner + off
					if dt == Float32 {
						copy(out.f32[dst:dst+w], x.f32[o*w:(o+1)*w])
					} else {
						copy(out.f64[dst:dst+w], x.f64[o*w:(o+1)*w])
					}
				}
				off += w
			}
			return out
		},
		VJP: func(c *Ctx, g *Tensor) []*Tensor {
			ax := c.Params.(int)
			gs := make([]*Tensor, len(c.Inputs))
			off := 0
			for i, x := range c.Inputs {
				if c.NeedsGrad(i) {
					gs[i] = Slice(g, ax, off, off+x.shape[ax], 1)
				}
				off += x.shape[ax]
			}
			return gs
		},
		JVP: func(c *Ctx, d []*Tensor) *Tensor {
			ds := make([]*Tensor, len(d))
			for i, t := range d {
				if t == nil {
					t = ZerosLike(c.Inputs[i])
				}
				ds[i] = t
			}
			return concatOp.Apply(c.Params, ds...)
		},
		Cases: []Case{
			{Name: "axis0", Shapes: [][]int{{2, 3}, {1, 3}}, Params: 0},
			{Name: "axis1", Shapes: [][]int{{2, 1}, {2, 3}, {2, 2}}, Params: 1},
		},
	})
}

// Concat joins tensors along an existing axis.
func Concat(axis int, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panicf("concat", "no tensors to join")
	}
	ax := normAxis("concat", axis, len(xs[0].shape))
	if len(xs) == 1 {
		return xs[0]
	}
	return concatOp.Apply(ax, xs...)
}

// Stack joins tensors of equal shape along a new axis.
func Stack(axis int, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panicf("stack", "no tensors to stack")
	}
	ax := normAxis("stack", axis, len(xs[0].shape)+1)
	us := make([]*Tensor, len(xs))
	for i, x := range xs {
		if !sameShape(x.shape, xs[0].shape) {
			panicf("stack", "input %d has shape %s, input 0 has %s", i, fmtShape(x.shape), fmtShape(xs[0].shape))
		}
		us[i] = Unsqueeze(x, ax)
	}
	return Concat(ax, us...)
}

// Split cuts x along axis into pieces of the given sizes, which must add up to
// the axis length.
func Split(x *Tensor, axis int, sizes ...int) []*Tensor {
	ax := normAxis("split", axis, len(x.shape))
	total := 0
	for _, s := range sizes {
		if s < 0 {
			panicf("split", "negative size in %v", sizes)
		}
		total += s
	}
	if total != x.shape[ax] {
		panicf("split", "sizes %v add up to %d, but axis %d has size %d", sizes, total, axis, x.shape[ax])
	}
	out := make([]*Tensor, len(sizes))
	off := 0
	for i, s := range sizes {
		out[i] = Slice(x, ax, off, off+s, 1)
		off += s
	}
	return out
}

// Chunk cuts x along axis into n pieces of equal size.
func Chunk(x *Tensor, axis, n int) []*Tensor {
	ax := normAxis("chunk", axis, len(x.shape))
	if n <= 0 || x.shape[ax]%n != 0 {
		panicf("chunk", "axis %d of size %d does not split into %d equal pieces", axis, x.shape[ax], n)
	}
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = x.shape[ax] / n
	}
	return Split(x, ax, sizes...)
}
