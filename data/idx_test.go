package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func idxBytes(t testing.TB, typ byte, dims []int, values []float64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteIDX(&buf, typ, dims, values); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestIDXRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		typ    byte
		values []float64
	}{
		{IDXUint8, []float64{0, 1, 128, 255, 7, 9}},
		{IDXInt8, []float64{-128, -1, 0, 1, 127, 5}},
		{IDXInt16, []float64{-32768, -300, 0, 300, 32767, 1}},
		{IDXInt32, []float64{-2147483648, -70000, 0, 70000, 2147483647, 2}},
		{IDXFloat32, []float64{-1.5, 0, 0.25, 0x1p100, -7, 1}},
		{IDXFloat64, []float64{-1e300, 0.1, 0, 1e-300, 2.5, -3}},
	} {
		raw := idxBytes(t, tc.typ, []int{2, 3}, tc.values)
		if raw[2] != tc.typ || raw[3] != 2 || binary.BigEndian.Uint32(raw[4:]) != 2 || binary.BigEndian.Uint32(raw[8:]) != 3 {
			t.Errorf("type 0x%02x: header % x", tc.typ, raw[:12])
		}
		for name, in := range map[string][]byte{"raw": raw, "gzip": gz(raw)} {
			dims, values, err := ReadIDX(bytes.NewReader(in))
			if err != nil {
				t.Fatalf("type 0x%02x %s: %v", tc.typ, name, err)
			}
			if !slices.Equal(dims, []int{2, 3}) || !slices.Equal(values, tc.values) {
				t.Errorf("type 0x%02x %s: got %v %v", tc.typ, name, dims, values)
			}
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	valid := idxBytes(t, IDXUint8, []int{2, 2}, []float64{1, 2, 3, 4})
	badChecksum := gz(valid)
	badChecksum[len(badChecksum)-8] ^= 0xff
	hostile := []byte{0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3}
	big := []byte{0, 0, 8, 2, 0, 0x10, 0, 0, 0, 0, 0x04, 0} // 2^20 × 2^10 = 1 GiB declared, nothing present
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "reading magic number: unexpected EOF"},
		{"bad magic", []byte{1, 0, 8, 1, 0, 0, 0, 0}, "bad magic number"},
		{"unknown type", []byte{0, 0, 0x0A, 1, 0, 0, 0, 0}, "unknown element type 0x0a"},
		{"zero dims", []byte{0, 0, 8, 0}, "zero dimensions"},
		{"short dims", []byte{0, 0, 8, 3, 0, 0, 0, 1}, "reading 3 dimensions"},
		{"truncated data", valid[:len(valid)-1], "dimensions [2 2] need 4 bytes of data, only 3 present"},
		{"truncated gzip", gz(valid)[:20], "idx:"},
		{"trailing", append(slices.Clip(valid), 0), "trailing bytes"},
		{"overflow", hostile, "declare more than"},
		{"product wraps", []byte("\x00\x00\x08\x03\xff000\xff1101810"), "declare more than"}, // found by FuzzReadIDX
		{"huge", big, "need 1073741824 bytes of data, only 0 present"},
		{"too many", []byte{0, 0, 8, 2, 0, 0x10, 0, 0, 0, 0, 0x04, 1}, "declare more than 1073741824 elements"},
		{"checksum", badChecksum, "checksum"},
	} {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, err := ReadIDX(bytes.NewReader(tc.in))
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want error containing %q", tc.name, err, tc.want)
		}
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 2*readChunk {
			t.Errorf("%s: allocated %d bytes for a %d-byte input", tc.name, grown, len(tc.in))
		}
	}
}

func TestWriteIDXErrors(t *testing.T) {
	for _, tc := range []struct {
		typ    byte
		dims   []int
		values []float64
		want   string
	}{
		{0x0A, []int{1}, []float64{0}, "unknown element type"},
		{IDXUint8, nil, nil, "0 dimensions"},
		{IDXUint8, []int{2}, []float64{0}, "hold 2 elements, got 1"},
		{IDXUint8, []int{1}, []float64{256}, "does not fit"},
		{IDXInt8, []int{1}, []float64{0.5}, "does not fit"},
		{IDXUint8, []int{-1}, nil, "out of range"},
	} {
		if err := WriteIDX(&bytes.Buffer{}, tc.typ, tc.dims, tc.values); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("WriteIDX(0x%02x, %v, %v) = %v, want %q", tc.typ, tc.dims, tc.values, err, tc.want)
		}
	}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadIDXPair(t *testing.T) {
	dir := t.TempDir()
	images := writeFile(t, dir, "img.gz", gz(idxBytes(t, IDXUint8, []int{3, 2, 2}, []float64{
		0, 255, 51, 102,
		0, 0, 0, 0,
		255, 255, 255, 255,
	})))
	labels := writeFile(t, dir, "lab", idxBytes(t, IDXUint8, []int{3}, []float64{2, 0, 4}))
	ds, err := LoadIDXPair(images, labels)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 3 || ds.D != 4 || ds.Classes != 5 || !slices.Equal(ds.Shape, []int{2, 2}) || !slices.Equal(ds.Y, []int{2, 0, 4}) {
		t.Fatalf("got %+v", ds)
	}
	if !slices.Equal(ds.Row(0), []float64{0, 1, 0.2, 0.4}) {
		t.Errorf("pixels not scaled to [0, 1]: %v", ds.Row(0))
	}
	if err := ds.Validate(); err != nil {
		t.Error(err)
	}

	short := writeFile(t, dir, "short", idxBytes(t, IDXUint8, []int{2}, []float64{1, 2}))
	square := writeFile(t, dir, "square", idxBytes(t, IDXUint8, []int{3, 1}, []float64{1, 2, 3}))
	negative := writeFile(t, dir, "neg", idxBytes(t, IDXInt8, []int{3}, []float64{1, -2, 3}))
	corrupt := writeFile(t, dir, "corrupt", []byte{0, 0, 8, 1, 0, 0, 0, 9, 1})
	for _, tc := range []struct{ images, labels, want string }{
		{images, short, "2 labels in " + short + " but 3 images in " + images},
		{images, square, square + ": labels have dimensions [3 1]"},
		{images, negative, negative + ": label 1 is -2"},
		{corrupt, labels, corrupt + ": idx: dimensions [9] need 9 bytes"},
		{filepath.Join(dir, "nope"), labels, "no such file"},
	} {
		if _, err := LoadIDXPair(tc.images, tc.labels); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadIDXPair(%s, %s) = %v, want %q", tc.images, tc.labels, err, tc.want)
		}
	}
}

func TestFashionMNISTMissing(t *testing.T) {
	_, _, err := FashionMNIST(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Fatalf("got %v, want a hint to install the package", err)
	}
}

func TestFashionMNIST(t *testing.T) {
	if _, err := os.Stat(DefaultFashionMNISTDir); err != nil {
		t.Skipf("Fashion-MNIST not installed (%v); apt-get install dataset-fashion-mnist to run this test", err)
	}
	if testing.Short() {
		t.Skip("loading 70000 images is slow for -short")
	}
	train, test, err := FashionMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ds *Dataset
		n  int
	}{{train, 60000}, {test, 10000}} {
		ds := tc.ds
		if ds.N != tc.n || ds.D != 784 || ds.Classes != 10 || !slices.Equal(ds.Shape, []int{28, 28}) || ds.Image != [3]int{1, 28, 28} {
			t.Errorf("%s: %d×%d, %d classes, shape %v, image %v", ds.Name, ds.N, ds.D, ds.Classes, ds.Shape, ds.Image)
		}
		if lo, hi := slices.Min(ds.X), slices.Max(ds.X); lo != 0 || hi != 1 {
			t.Errorf("%s: pixels in [%v, %v]", ds.Name, lo, hi)
		}
		if err := ds.Validate(); err != nil {
			t.Error(err)
		}
	}
	train32, test32, err := FashionMNISTAs("", Float32)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]*Dataset{{train, train32}, {test, test32}} {
		if p[1].Storage() != Float32 || !slices.Equal(p[1].X32, toFloat32(p[0].X)) || !slices.Equal(p[1].Y, p[0].Y) || p[1].Image != p[0].Image {
			t.Errorf("%s in float32 differs from float64 rounded", p[0].Name)
		}
	}
}

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(f, IDXUint8, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}))
	f.Add(gz(idxBytes(f, IDXInt16, []int{2}, []float64{-1, 300})))
	f.Add(idxBytes(f, IDXFloat64, []int{1, 1, 1}, []float64{0.5}))
	f.Add([]byte{0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0x0D, 1, 0, 0, 0, 1, 0x7f, 0xc0, 0, 0})
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		dims, values, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			return
		}
		n := 1
		for _, d := range dims {
			n *= d
		}
		if n != len(values) {
			t.Fatalf("dims %v but %d values", dims, len(values))
		}
		// Into float32, with the input's size known (values allocated at
		// once): the same dims, the values rounded.
		_, dims32, v32, err := readIDX[float32](bytes.NewReader(in), int64(len(in)))
		if err != nil || !slices.Equal(dims, dims32) || len(v32) != len(values) {
			t.Fatalf("float32: dims %v, %d values, %v; float64: dims %v, %d values", dims32, len(v32), err, dims, len(values))
		}
		for i, v := range values {
			if w := float32(v); v32[i] != w && !(w != w && v32[i] != v32[i]) {
				t.Fatalf("value %d: float32 %v, float64 %v", i, v32[i], v)
			}
		}
	})
}

// Issue 13, row 13: float pixels that are NaN or infinite are refused with
// the file and the index, instead of training on them.
func TestLoadIDXPairNonFinite(t *testing.T) {
	dir := t.TempDir()
	labels := writeFile(t, dir, "lab", idxBytes(t, IDXUint8, []int{2}, []float64{0, 1}))
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		images := writeFile(t, dir, "img", idxBytes(t, IDXFloat32, []int{2, 2}, []float64{0, 1, 0.5, bad}))
		_, err := LoadIDXPair(images, labels)
		want := fmt.Sprintf("%s: value 3 (sample 1, element 1) is %v", images, bad)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("pixel %v: got %v, want %q", bad, err, want)
		}
	}
}
