package nabla_test

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nabla-go/nabla"
)

// The fixtures are computed by PyTorch 1.13 with testdata/newops_fixtures.py.
type torchTensor struct {
	Shape []int       `json:"shape"`
	DType string      `json:"dtype"`
	Data  []jsonFloat `json:"data"`
}

// jsonFloat reads a number, or "nan", "inf" or "-inf".
type jsonFloat float64

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"nan"`:
		*f = jsonFloat(math.NaN())
	case `"inf"`:
		*f = jsonFloat(math.Inf(1))
	case `"-inf"`:
		*f = jsonFloat(math.Inf(-1))
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = jsonFloat(v)
	}
	return nil
}

func (f torchTensor) tensor() *nabla.Tensor {
	switch f.DType {
	case "int64":
		v := make([]int64, len(f.Data))
		for i, x := range f.Data {
			v[i] = int64(x)
		}
		return nabla.FromInt64s(v, f.Shape...)
	case "bool":
		v := make([]bool, len(f.Data))
		for i, x := range f.Data {
			v[i] = x != 0
		}
		return nabla.FromBools(v, f.Shape...)
	}
	x := nabla.New(nabla.Float64, f.Shape...)
	for i, v := range f.Data {
		x.RawFloat64()[i] = float64(v)
	}
	return x
}

type torchCase struct {
	Name    string                 `json:"name"`
	Params  map[string]any         `json:"params"`
	Inputs  []torchTensor          `json:"inputs"`
	Out     torchTensor            `json:"out"`
	Indices *torchTensor           `json:"indices"`
	Grads   map[string]torchTensor `json:"grads"`
}

func padMode(s string) nabla.PadMode {
	return map[string]nabla.PadMode{"constant": nabla.PadConstant, "reflect": nabla.PadReflect,
		"replicate": nabla.PadReplicate, "circular": nabla.PadCircular}[s]
}

func ints(v any) []int {
	var out []int
	for _, x := range v.([]any) {
		out = append(out, int(x.(float64)))
	}
	return out
}

// run applies the case's op to xs, returning the output and, for sorts, the
// indices.
func (c torchCase) run(t *testing.T, xs []*nabla.Tensor) (*nabla.Tensor, *nabla.Tensor) {
	p := c.Params
	axis := func() int { return int(p["axis"].(float64)) }
	op, _, _ := strings.Cut(c.Name, "/")
	switch op {
	case "cumsum":
		return nabla.Cumsum(xs[0], axis()), nil
	case "cumprod":
		return nabla.Cumprod(xs[0], axis()), nil
	case "sort":
		return nabla.Sort(xs[0], axis(), p["descending"].(bool))
	case "topk":
		return nabla.TopK(xs[0], int(p["k"].(float64)), axis(), p["largest"].(bool))
	case "scatter_add":
		return nabla.ScatterAdd(xs[0], axis(), xs[1], xs[2]), nil
	case "index_add":
		return nabla.IndexAdd(xs[0], axis(), xs[1], xs[2]), nil
	case "pad":
		return nabla.Pad(xs[0], ints(p["pads"]), padMode(p["mode"].(string)), p["value"].(float64)), nil
	case "einsum":
		return nabla.Einsum(p["equation"].(string), xs...), nil
	case "compare":
		fns := map[string]func(a, b *nabla.Tensor) *nabla.Tensor{"greater": nabla.Greater, "greater_equal": nabla.GreaterEqual,
			"less": nabla.Less, "less_equal": nabla.LessEqual, "equal": nabla.Equal, "not_equal": nabla.NotEqual}
		return fns[strings.TrimPrefix(c.Name, "compare/")](xs[0], xs[1]), nil
	case "where":
		x, y := xs[0], xs[1]
		return nabla.Where(x.Greater(y), nabla.MulScalar(x, 2), nabla.Sub(y, x)), nil
	}
	t.Fatalf("unknown fixture %s", c.Name)
	return nil, nil
}

func TestNewOpsAgainstPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/newops_fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []torchCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 30 {
		t.Fatalf("only %d fixtures", len(fx.Cases))
	}
	for _, c := range fx.Cases {
		t.Run(c.Name, func(t *testing.T) {
			xs := make([]*nabla.Tensor, len(c.Inputs))
			for i, in := range c.Inputs {
				xs[i] = in.tensor()
				if _, ok := c.Grads[itoa(i)]; ok {
					xs[i].SetRequiresGrad(true)
				}
			}
			out, idx := c.run(t, xs)
			compareTorch(t, "output", out, c.Out)
			if c.Indices != nil {
				compareTorch(t, "indices", idx, *c.Indices)
			}
			if len(c.Grads) == 0 {
				return
			}
			w := nabla.New(nabla.Float64, out.Shape()...)
			for k := range w.RawFloat64() {
				w.RawFloat64()[k] = float64(k%5) - 1.5
			}
			nabla.Sum(nabla.Mul(out, w)).Backward()
			for i, g := range c.Grads {
				compareTorch(t, "gradient "+i, xs[atoi(i)].Grad(), g)
			}
		})
	}
}

func itoa(i int) string { return string(rune('0' + i)) }
func atoi(s string) int { return int(s[0] - '0') }

func compareTorch(t *testing.T, what string, got *nabla.Tensor, want torchTensor) {
	t.Helper()
	wantDT := map[string]nabla.DType{"float64": nabla.Float64, "int64": nabla.Int64, "bool": nabla.Bool}[want.DType]
	if got.DType() != wantDT || !slices.Equal(got.Shape(), want.Shape) && numelOf(want.Shape) > 0 {
		t.Fatalf("%s: %s of shape %v, PyTorch gives %s of shape %v", what, got.DType(), got.Shape(), want.DType, want.Shape)
	}
	g := got.Float64s()
	for i, wv := range want.Data {
		v := float64(wv)
		if !(math.Abs(g[i]-v) <= 1e-12*(1+math.Abs(v))) && !(math.IsNaN(v) && math.IsNaN(g[i])) {
			t.Errorf("%s: element %d is %v, PyTorch gives %v", what, i, g[i], v)
		}
	}
}

func numelOf(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}
