package main

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/nabla-go/nabla"
	"github.com/nabla-go/nabla/expr"
)

func newGraphCmd() *cobra.Command {
	var fl calcFlags
	var outFile string
	cmd := &cobra.Command{
		Use:   "graph EXPR --at NAME=VALUE... [-o FILE]",
		Short: "Draw the computation graph with each node's value and gradient",
		Long: `Build the computation graph of EXPR at the point given by --at, run a backward
pass, and draw every node (a variable, a constant or an op) with its forward
value and the gradient of the output with respect to it. The file's extension
chooses the format: .dot (Graphviz source), .svg or .png (drawn by nabla, no
Graphviz needed, up to 2000 nodes; a large PNG is drawn at a lower resolution
to stay within 16 megapixels). Without -o the Graphviz source goes to
standard output.

` + exprHelp,
		Example: `  nabla graph 'sigmoid(w[0]*x + w[1]) ^ 2' --at x=0.5 --at w='[2, -1]' -o graph.svg`,
		Args:    oneExpr,
		RunE: func(cmd *cobra.Command, args []string) error {
			render, err := renderer(outFile)
			if err != nil {
				return err
			}
			if outFile != "" {
				if err := checkOutput("-o", outFile); err != nil {
					return err
				}
			}
			e, p, err := fl.parseOne(args[0])
			if err != nil {
				return err
			}
			g, err := buildGraph(e, p)
			if err != nil {
				return inputError("expression", err)
			}
			out := cmd.OutOrStdout()
			if ext := strings.ToLower(filepath.Ext(outFile)); (ext == ".svg" || ext == ".png") && len(g.nodes) > maxDrawNodes {
				return usagef("the graph has %d nodes, too many to draw (at most %d): write -o graph.dot and lay it out with Graphviz (dot -Tsvg graph.dot)", len(g.nodes), maxDrawNodes)
			}
			if outFile == "" {
				_, err := io.WriteString(out, g.dot())
				return err
			}
			if err := writeAtomic("-o", outFile, render(g)); err != nil {
				return err
			}
			fmt.Fprintf(out, "graph of %d nodes (%d ops) written to %s\n", len(g.nodes), g.ops(), outFile)
			if fl.asJSON {
				return writeJSON(out, map[string]any{"file": outFile, "nodes": len(g.nodes), "ops": g.ops()})
			}
			return nil
		},
	}
	fl.register(cmd)
	cmd.Flags().StringVarP(&outFile, "output", "o", "", "output file: .dot, .svg or .png (default: Graphviz source on standard output)")
	return cmd
}

// renderer picks the output format from the file's extension.
func renderer(path string) (func(*graph) []byte, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".dot", ".gv":
		return func(g *graph) []byte { return []byte(g.dot()) }, nil
	case ".svg":
		return func(g *graph) []byte { return g.draw(false) }, nil
	case ".png":
		return func(g *graph) []byte { return g.draw(true) }, nil
	}
	if path == "" {
		return nil, nil
	}
	return nil, usagef("-o %s: unknown format %q: expected a .dot, .svg or .png file", path, filepath.Ext(path))
}

// checkOutput reports, before any work, why path (given with flag) cannot
// be written: a directory, or a directory that is missing or not writable.
func checkOutput(flag, path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usagef("%s %s is a directory: give a file name", flag, path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return usagef("%s %s: the directory %s does not exist", flag, path, dir)
	case !st.IsDir():
		return usagef("%s %s: %s is not a directory", flag, path, dir)
	}
	f, err := os.CreateTemp(dir, ".nabla-write-test-*")
	if err != nil {
		return usagef("%s %s: the directory %s is not writable", flag, path, dir)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// writeAtomic writes data to a temporary file beside path and renames it,
// so that path never holds a partial file; the file's mode is 0666 less the
// umask, as for any file a command creates.
func writeAtomic(flag, path string, data []byte) error {
	if err := checkOutput(flag, path); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return usagef("%s %s: cannot create it: %v", flag, path, errors.Unwrap(err))
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(os.FileMode(0o666 &^ umask))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		} else if le := (*os.LinkError)(nil); errors.As(err, &le) {
			err = le.Err
		}
		return fmt.Errorf("%s %s: writing failed: %v", flag, path, err)
	}
	return nil
}

// gnode is a node of the drawn graph: a variable, a constant or an op.
type gnode struct {
	kind   string // "var", "const", "op" or "output"
	label  string
	value  string
	grad   string
	inputs []int
	layer  int
	x, w   float64 // centre and width in the drawing, points
}

type graph struct {
	nodes []*gnode
}

func (g *graph) ops() int {
	n := 0
	for _, v := range g.nodes {
		if v.kind == "op" || v.kind == "output" {
			n++
		}
	}
	return n
}

// buildGraph evaluates e at p, keeps the gradient of every intermediate
// tensor (RetainGrad), runs the backward pass and reads the graph back
// through Inputs, OpName and Name.
func buildGraph(e *expr.Expr, p expr.Point) (*graph, error) {
	// Derivatives checks the point and that e is a number.
	if _, err := expr.Derivatives(e, p, false); err != nil {
		return nil, err
	}
	env, _ := p.Tensors(true)
	y, err := e.Eval(env)
	if err != nil {
		return nil, err
	}
	// Depth-first, inputs before their users, without recursion.
	index := map[*nabla.Tensor]int{}
	var order []*nabla.Tensor
	type frame struct {
		t    *nabla.Tensor
		next int
	}
	stack := []frame{{t: y}}
	seen := map[*nabla.Tensor]bool{y: true}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		ins := top.t.Inputs()
		if top.next < len(ins) {
			x := ins[top.next]
			top.next++
			if !seen[x] {
				seen[x] = true
				stack = append(stack, frame{t: x})
			}
			continue
		}
		index[top.t] = len(order)
		order = append(order, top.t)
		stack = stack[:len(stack)-1]
	}
	g := &graph{}
	for _, t := range order {
		n := &gnode{value: fmtTensor(t)}
		switch {
		case t.OpName() != "":
			n.kind, n.label = "op", t.OpName()
			for _, x := range t.Inputs() {
				n.inputs = append(n.inputs, index[x])
			}
			t.RetainGrad()
		case t.Name() != "":
			n.kind, n.label = "var", t.Name()
		default:
			n.kind, n.label = "const", "const"
		}
		g.nodes = append(g.nodes, n)
	}
	g.nodes[len(g.nodes)-1].kind = "output"
	if !y.RequiresGrad() {
		// A constant: no gradient to draw.
	} else if err := nabla.Catch(func() { y.Backward() }); err != nil {
		return nil, err
	}
	for i, t := range order {
		if gr := t.Grad(); gr != nil {
			g.nodes[i].grad = fmtTensor(gr)
		}
	}
	g.layout()
	return g, nil
}

// fmtTensor shows a number, or a vector's first entries.
func fmtTensor(t *nabla.Tensor) string {
	xs := t.Float64s()
	if t.Dims() == 0 {
		return strconvG(xs[0])
	}
	var parts []string
	for i, x := range xs {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("… (%d)", len(xs)))
			break
		}
		parts = append(parts, strconvG(x))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func strconvG(x float64) string { return fmt.Sprintf("%.6g", x) }

func (n *gnode) lines() []string {
	l := []string{n.label, "value " + n.value}
	if n.grad != "" {
		l = append(l, "grad  "+n.grad)
	}
	return l
}

// dot returns the graph as Graphviz source, inputs above their users.
func (g *graph) dot() string {
	var b strings.Builder
	b.WriteString("digraph nabla {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n")
	for i, n := range g.nodes {
		fmt.Fprintf(&b, "  n%d [label=%q, style=filled, fillcolor=%q];\n", i, strings.Join(n.lines(), "\n"), fills[n.kind].hex)
	}
	for i, n := range g.nodes {
		for _, j := range n.inputs {
			fmt.Fprintf(&b, "  n%d -> n%d;\n", j, i)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

var fills = map[string]struct {
	hex string
	c   color.RGBA
}{
	"var":    {"#cfe2f3", color.RGBA{0xcf, 0xe2, 0xf3, 0xff}},
	"const":  {"#eeeeee", color.RGBA{0xee, 0xee, 0xee, 0xff}},
	"op":     {"#ffffff", color.RGBA{0xff, 0xff, 0xff, 0xff}},
	"output": {"#fff2cc", color.RGBA{0xff, 0xf2, 0xcc, 0xff}},
}

// Drawing sizes, in points.
const (
	fontSize = 9
	lineH    = 11.5
	padX     = 6
	gapX     = 16
	layerGap = 34
	margin   = 12
)

var mono = font.Font{Typeface: "Liberation", Variant: "Mono"}

func face() font.Face {
	_ = plot.DefaultFont // importing plot registers the Liberation fonts
	return font.DefaultCache.Lookup(mono, fontSize)
}

// layout puts the nodes in layers, inputs above their users: an op one
// layer below its deepest input, a leaf just above its first user. Within a
// layer, nodes are ordered by the mean position of their neighbours (the
// barycentre heuristic), which removes most crossings.
func (g *graph) layout() {
	users := make([][]int, len(g.nodes))
	for i, n := range g.nodes {
		for _, j := range n.inputs {
			users[j] = append(users[j], i)
			n.layer = max(n.layer, g.nodes[j].layer+1)
		}
	}
	for i, n := range g.nodes {
		if len(n.inputs) == 0 && len(users[i]) > 0 {
			n.layer = 1 << 30
			for _, u := range users[i] {
				n.layer = min(n.layer, g.nodes[u].layer-1)
			}
		}
	}
	f := face()
	for _, n := range g.nodes {
		for _, s := range n.lines() {
			n.w = max(n.w, float64(f.Width(s))+2*padX)
		}
	}
	layers := g.layers()
	pos := make([]float64, len(g.nodes))
	place := func() {
		for _, l := range layers {
			for k, i := range l {
				pos[i] = float64(k) - float64(len(l)-1)/2
			}
		}
	}
	place()
	bary := func(l []int, nb [][]int) {
		key := map[int]float64{}
		for _, i := range l {
			if len(nb[i]) == 0 {
				key[i] = pos[i]
				continue
			}
			s := 0.0
			for _, j := range nb[i] {
				s += pos[j]
			}
			key[i] = s / float64(len(nb[i]))
		}
		sort.SliceStable(l, func(a, b int) bool { return key[l[a]] < key[l[b]] })
	}
	inputs := make([][]int, len(g.nodes))
	for i, n := range g.nodes {
		inputs[i] = n.inputs
	}
	for range 4 {
		for k := 1; k < len(layers); k++ {
			bary(layers[k], inputs)
			place()
		}
		for k := len(layers) - 2; k >= 0; k-- {
			bary(layers[k], users)
			place()
		}
	}
	for _, l := range layers {
		total := -float64(gapX)
		for _, i := range l {
			total += g.nodes[i].w + gapX
		}
		x := -total / 2
		for _, i := range l {
			g.nodes[i].x = x + g.nodes[i].w/2
			x += g.nodes[i].w + gapX
		}
	}
}

func (g *graph) layers() [][]int {
	depth := 0
	for _, n := range g.nodes {
		depth = max(depth, n.layer+1)
	}
	ls := make([][]int, depth)
	for i, n := range g.nodes {
		ls[n.layer] = append(ls[n.layer], i)
	}
	return ls
}

func boxH(n *gnode) float64 { return float64(len(n.lines()))*lineH + 6 }

// draw renders the laid-out graph as PNG or SVG with gonum's vg canvases.
func (g *graph) draw(png bool) []byte {
	minX, maxX := 0.0, 0.0
	for _, n := range g.nodes {
		minX, maxX = min(minX, n.x-n.w/2), max(maxX, n.x+n.w/2)
	}
	layers := g.layers()
	rowH := 3*lineH + 6 + layerGap
	W := maxX - minX + 2*margin
	H := float64(len(layers))*rowH - layerGap + 2*margin
	top := func(n *gnode) float64 { return H - margin - float64(n.layer)*rowH } // vg's y points up
	X := func(n *gnode) float64 { return n.x - minX + margin }

	var c vg.CanvasWriterTo
	if png {
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(vg.Length(W), vg.Length(H)), vgimg.UseDPI(pngDPI(W, H)), vgimg.UseBackgroundColor(color.White))}
	} else {
		c = vgsvg.New(vg.Length(W), vg.Length(H))
	}
	f := face()
	black := color.RGBA{0x33, 0x33, 0x33, 0xff}
	c.SetLineWidth(0.8)
	for _, n := range g.nodes {
		for k, j := range n.inputs {
			// Several inputs arrive at points spread along the top edge.
			from := g.nodes[j]
			x0, y0 := X(from), top(from)-boxH(from)
			x1, y1 := X(n)+n.w*(float64(k+1)/float64(len(n.inputs)+1)-0.5), top(n)
			var p vg.Path
			p.Move(vg.Point{X: vg.Length(x0), Y: vg.Length(y0)})
			p.Line(vg.Point{X: vg.Length(x1), Y: vg.Length(y1 + 1)})
			c.SetColor(black)
			c.Stroke(p)
			arrow(c, x0, y0, x1, y1)
		}
	}
	for _, n := range g.nodes {
		x0, y0, h := X(n)-n.w/2, top(n), boxH(n)
		var box vg.Path
		box.Move(vg.Point{X: vg.Length(x0), Y: vg.Length(y0)})
		box.Line(vg.Point{X: vg.Length(x0 + n.w), Y: vg.Length(y0)})
		box.Line(vg.Point{X: vg.Length(x0 + n.w), Y: vg.Length(y0 - h)})
		box.Line(vg.Point{X: vg.Length(x0), Y: vg.Length(y0 - h)})
		box.Close()
		c.SetColor(fills[n.kind].c)
		c.Fill(box)
		c.SetColor(black)
		c.Stroke(box)
		for k, s := range n.lines() {
			c.FillString(f, vg.Point{X: vg.Length(x0 + padX), Y: vg.Length(y0 - 3 - float64(k+1)*lineH + 2.5)}, s)
		}
	}
	var b bytes.Buffer
	c.WriteTo(&b)
	return b.Bytes()
}

// Bounds of a drawing. A graph's width and height both grow with its size
// (a wide layer of inputs, a long chain of sums), so a PNG's pixels grow
// with the square of the node count: 100 variables once asked for an
// 18578×15178 image and 200 for 4.5 GB. The node count is capped, and a PNG
// is drawn at a lower resolution when its pixels would pass maxPixels, so
// memory stays linear in the graph (the SVG and .dot forms are linear).
const (
	maxDrawNodes = 2000
	maxPixels    = 16 << 20 // 64 MiB of RGBA
)

// pngDPI is 144 (two pixels per point) unless the W×H-point image would pass
// maxPixels.
func pngDPI(W, H float64) int {
	dpi := 144.0
	if px := W * H * (dpi / 72) * (dpi / 72); px > maxPixels {
		dpi *= math.Sqrt(maxPixels / px)
	}
	return max(1, int(dpi))
}

// arrow draws a filled arrowhead at (x1, y1) pointing from (x0, y0).
func arrow(c vg.Canvas, x0, y0, x1, y1 float64) {
	dx, dy := x1-x0, y1-y0
	l := max(1e-9, math.Hypot(dx, dy))
	ux, uy := dx/l, dy/l
	const size, half = 6, 2.6
	var p vg.Path
	p.Move(vg.Point{X: vg.Length(x1), Y: vg.Length(y1)})
	p.Line(vg.Point{X: vg.Length(x1 - size*ux - half*uy), Y: vg.Length(y1 - size*uy + half*ux)})
	p.Line(vg.Point{X: vg.Length(x1 - size*ux + half*uy), Y: vg.Length(y1 - size*uy - half*ux)})
	p.Close()
	c.Fill(p)
}
