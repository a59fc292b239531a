package nabla_test

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/nabla-go/nabla"
)

type jsonTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (f jsonTensor) tensor() *nabla.Tensor { return nabla.FromSlice(f.Data, f.Shape...) }

type linalgCase struct {
	Name    string       `json:"name"`
	Inputs  []jsonTensor `json:"inputs"`
	Weights []jsonTensor `json:"weights"`
	Outputs []jsonTensor `json:"outputs"`
	Grads   []jsonTensor `json:"grads"`
}

// spdFrom is the SPD matrix the fixture cases build from a free input:
// X·Xᵀ + I.
func spdFrom(x *nabla.Tensor) *nabla.Tensor {
	return nabla.Add(nabla.MatMulT(x, x, false, true), nabla.Eye(x.Dim(-1)))
}

// linalgFixtureFns computes, for each case of testdata/linalg_fixtures.py,
// the outputs PyTorch computed.
var linalgFixtureFns = map[string]func(xs ...*nabla.Tensor) []*nabla.Tensor{
	"solve":                 func(xs ...*nabla.Tensor) []*nabla.Tensor { return one(nabla.Solve(xs[0], xs[1])) },
	"solve_batch_broadcast": func(xs ...*nabla.Tensor) []*nabla.Tensor { return one(nabla.Solve(xs[0], xs[1])) },
	"solve_vector":          func(xs ...*nabla.Tensor) []*nabla.Tensor { return one(nabla.Solve(xs[0], xs[1])) },
	"inv":                   func(xs ...*nabla.Tensor) []*nabla.Tensor { return one(nabla.Inv(xs[0])) },
	"det":                   func(xs ...*nabla.Tensor) []*nabla.Tensor { return one(nabla.Det(xs[0])) },
	"slogdet": func(xs ...*nabla.Tensor) []*nabla.Tensor {
		s, l := nabla.Slogdet(xs[0])
		return []*nabla.Tensor{s, l}
	},
	"cholesky": func(xs ...*nabla.Tensor) []*nabla.Tensor { return one(nabla.Cholesky(spdFrom(xs[0]))) },
	"cholesky_solve": func(xs ...*nabla.Tensor) []*nabla.Tensor {
		return one(nabla.CholeskySolve(nabla.Cholesky(spdFrom(xs[0])), xs[1]))
	},
	"triangular_solve_lower": func(xs ...*nabla.Tensor) []*nabla.Tensor {
		return one(nabla.TriangularSolve(xs[0], xs[1], false, false))
	},
	"triangular_solve_upper": func(xs ...*nabla.Tensor) []*nabla.Tensor {
		return one(nabla.TriangularSolve(xs[0], xs[1], true, false))
	},
	"qr": func(xs ...*nabla.Tensor) []*nabla.Tensor {
		q, r := nabla.QR(xs[0])
		return []*nabla.Tensor{q, r}
	},
	"qr_wide": func(xs ...*nabla.Tensor) []*nabla.Tensor {
		q, r := nabla.QR(xs[0])
		return []*nabla.Tensor{q, r}
	},
	"eigh": func(xs ...*nabla.Tensor) []*nabla.Tensor {
		l, v := nabla.Eigh(spdFrom(xs[0]))
		return []*nabla.Tensor{l, nabla.Square(v)}
	},
	"svd":                   svdSquares,
	"svd_wide":              svdSquares,
	"lstsq":                 func(xs ...*nabla.Tensor) []*nabla.Tensor { return one(nabla.Lstsq(xs[0], xs[1])) },
	"lstsq_wide":            func(xs ...*nabla.Tensor) []*nabla.Tensor { return one(nabla.Lstsq(xs[0], xs[1])) },
	"matrix_power":          func(xs ...*nabla.Tensor) []*nabla.Tensor { return one(nabla.MatrixPower(xs[0], 3)) },
	"matrix_power_negative": func(xs ...*nabla.Tensor) []*nabla.Tensor { return one(nabla.MatrixPower(xs[0], -2)) },
	"matrix_exp":            func(xs ...*nabla.Tensor) []*nabla.Tensor { return one(nabla.MatrixExp(xs[0])) },
}

func one(t *nabla.Tensor) []*nabla.Tensor { return []*nabla.Tensor{t} }

func svdSquares(xs ...*nabla.Tensor) []*nabla.Tensor {
	u, s, vh := nabla.SVD(xs[0])
	return []*nabla.Tensor{s, nabla.Square(u), nabla.Square(vh)}
}

// TestLinalgMatchesPyTorch compares the linear-algebra functions' values and
// gradients with PyTorch 1.13's (testdata/linalg_fixtures.json).
func TestLinalgMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/linalg_fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []linalgCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < len(linalgFixtureFns) {
		t.Fatalf("%d cases in the fixture, %d functions", len(file.Cases), len(linalgFixtureFns))
	}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			fn := linalgFixtureFns[c.Name]
			if fn == nil {
				t.Fatalf("no function for case %s", c.Name)
			}
			xs := make([]*nabla.Tensor, len(c.Inputs))
			for i, in := range c.Inputs {
				xs[i] = in.tensor().SetRequiresGrad(true)
			}
			ys := fn(xs...)
			if len(ys) != len(c.Outputs) {
				t.Fatalf("%d outputs, PyTorch has %d", len(ys), len(c.Outputs))
			}
			var loss *nabla.Tensor
			for k, y := range ys {
				closeTo(t, "output", k, y, c.Outputs[k])
				term := nabla.Sum(nabla.Mul(y, c.Weights[k].tensor()))
				if loss == nil {
					loss = term
				} else {
					loss = nabla.Add(loss, term)
				}
			}
			gs := nabla.Gradients([]*nabla.Tensor{loss}, xs)
			for i, g := range gs {
				closeTo(t, "gradient", i, g, c.Grads[i])
			}
		})
	}
}

func closeTo(t *testing.T, what string, k int, got *nabla.Tensor, want jsonTensor) {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape) {
		t.Fatalf("%s %d has shape %v, PyTorch's %v", what, k, got.Shape(), want.Shape)
	}
	for i, v := range got.Float64s() {
		if math.Abs(v-want.Data[i]) > 1e-9*(1+math.Abs(want.Data[i])) {
			t.Errorf("%s %d element %d = %.15g, PyTorch %.15g", what, k, i, v, want.Data[i])
		}
	}
}
