package nabla_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/nabla-go/nabla"
)

// The expression language's functions, and calling one of them by name.
func ExampleFunctions() {
	for _, f := range nabla.Functions()[:3] {
		fmt.Printf("%s/%d: %s\n", f.Name, f.Arity, f.Doc)
	}
	norm, _ := nabla.LookupFunction("norm")
	fmt.Println(norm.Call(nabla.FromSlice([]float64{3, 4})).Item())
	// Output:
	// abs/1: |x| for each entry, with derivative 0 at 0 (Abs)
	// atan2/2: angle of the point (b, a) elementwise, in [-π, π], broadcasting (Atan2)
	// cos/1: cosine of each entry (Cos)
	// 5
}

func TestFunctionsTable(t *testing.T) {
	fs := nabla.Functions()
	if !sort.SliceIsSorted(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name }) {
		t.Errorf("Functions is not sorted by name")
	}
	for i, f := range fs {
		if f.Name == "" || f.Doc == "" || f.Call == nil || f.Arity < 1 {
			t.Errorf("incomplete entry %+v", f)
		}
		if i > 0 && fs[i-1].Name == f.Name {
			t.Errorf("%s listed twice", f.Name)
		}
		g, ok := nabla.LookupFunction(f.Name)
		if !ok || g.Name != f.Name || g.Arity != f.Arity || g.Doc != f.Doc {
			t.Errorf("LookupFunction(%q) = %+v, %v", f.Name, g, ok)
		}
	}
	if _, ok := nabla.LookupFunction("nosuch"); ok {
		t.Errorf("LookupFunction found nosuch")
	}
	fs[0].Name = "changed"
	if nabla.Functions()[0].Name == "changed" {
		t.Errorf("Functions does not return a copy")
	}
}
