package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func mustEncode(t testing.TB, f *File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fileWith builds a file from a raw header and buffer, for malformed cases.
func fileWith(header string, buf []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), buf...)
}

func TestRoundTripEveryDType(t *testing.T) {
	f := &File{Tensors: map[string]Tensor{}, Metadata: map[string]string{"format": "pt", "step": "12"}}
	for dtype, size := range dtypeSizes {
		data := make([]byte, 6*size)
		for i := range data {
			data[i] = byte(i*7 + len(dtype))
		}
		f.Tensors["t_"+dtype] = Tensor{DType: dtype, Shape: []int{2, 3}, Data: data}
	}
	f.Tensors["scalar"] = FromFloat64(nil, []float64{math.Pi})
	f.Tensors["empty"] = Tensor{DType: "F32", Shape: []int{0, 5}, Data: []byte{}}
	enc := mustEncode(t, f)
	g, err := Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Metadata, f.Metadata) || len(g.Tensors) != len(f.Tensors) {
		t.Fatalf("metadata %v, %d tensors", g.Metadata, len(g.Tensors))
	}
	for name, want := range f.Tensors {
		got := g.Tensors[name]
		if got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) && len(want.Shape) > 0 || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("%s: got %v %v %x, want %v %v %x", name, got.DType, got.Shape, got.Data, want.DType, want.Shape, want.Data)
		}
	}
	if !bytes.Equal(mustEncode(t, g), enc) {
		t.Error("re-encoding a decoded file changed its bytes")
	}
	r, err := Read(bytes.NewReader(enc), int64(len(enc)))
	if err != nil || !reflect.DeepEqual(r, g) {
		t.Errorf("Read differs from Decode: %v", err)
	}
}

func TestConversions(t *testing.T) {
	f64 := []float64{1.5, -2, 0, math.Inf(1), 1e-300}
	if v, err := FromFloat64([]int{5}, f64).Float64(); err != nil || !slices.Equal(v, f64) {
		t.Errorf("F64 → Float64: %v %v", v, err)
	}
	f32 := []float32{1.5, -2, 0, 3.25e38, 1e-40}
	if v, err := FromFloat32([]int{5}, f32).Float32(); err != nil || !slices.Equal(v, f32) {
		t.Errorf("F32 → Float32: %v %v", v, err)
	}
	if v, err := FromFloat32([]int{1}, []float32{0.1}).Float64(); err != nil || v[0] != float64(float32(0.1)) {
		t.Errorf("F32 → Float64: %v %v", v, err)
	}
	if v, err := FromFloat64([]int{1}, []float64{0.1}).Float32(); err != nil || v[0] != float32(0.1) {
		t.Errorf("F64 → Float32: %v %v", v, err)
	}
	i64 := []int64{math.MinInt64, -1, 0, 42, math.MaxInt64}
	if v, err := FromInt64([]int{5}, i64).Int64(); err != nil || !slices.Equal(v, i64) {
		t.Errorf("I64: %v %v", v, err)
	}
	// F16: 1, -2, 65504 (max), smallest subnormal 2^-24, +Inf. BF16: 1, -2.
	half := Tensor{DType: "F16", Shape: []int{5}, Data: []byte{0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c}}
	if v, err := half.Float64(); err != nil || !slices.Equal(v, []float64{1, -2, 65504, math.Ldexp(1, -24), math.Inf(1)}) {
		t.Errorf("F16: %v %v", v, err)
	}
	if v, _ := (Tensor{DType: "F16", Shape: []int{1}, Data: []byte{0x01, 0x7c}}).Float32(); !math.IsNaN(float64(v[0])) {
		t.Errorf("F16 NaN read as %v", v)
	}
	bf := Tensor{DType: "BF16", Shape: []int{2}, Data: []byte{0x80, 0x3f, 0x00, 0xc0}}
	if v, err := bf.Float32(); err != nil || !slices.Equal(v, []float32{1, -2}) {
		t.Errorf("BF16: %v %v", v, err)
	}
	ints := map[string][]byte{"I8": {0xff}, "U8": {0xff}, "I16": {0xfe, 0xff}, "U16": {0xfe, 0xff},
		"I32": {0xfd, 0xff, 0xff, 0xff}, "U32": {0xfd, 0xff, 0xff, 0xff}, "BOOL": {1}}
	want := map[string]int64{"I8": -1, "U8": 255, "I16": -2, "U16": 65534, "I32": -3, "U32": 1<<32 - 3, "BOOL": 1}
	for dtype, data := range ints {
		if v, err := (Tensor{DType: dtype, Shape: []int{1}, Data: data}).Int64(); err != nil || v[0] != want[dtype] {
			t.Errorf("%s: %v %v, want %d", dtype, v, err, want[dtype])
		}
	}
	for _, tc := range []struct {
		t    Tensor
		conv func(Tensor) error
		want string
	}{
		{Tensor{DType: "I32", Shape: []int{0}}, func(t Tensor) error { _, err := t.Float64(); return err }, "cannot read I32 as floating point"},
		{Tensor{DType: "F32", Shape: []int{0}}, func(t Tensor) error { _, err := t.Int64(); return err }, "cannot read F32 as integers"},
		{Tensor{DType: "F32", Shape: []int{2}, Data: make([]byte, 4)}, func(t Tensor) error { _, err := t.Float32(); return err }, "needs 8 bytes, data has 4"},
		{Tensor{DType: "U64", Shape: []int{1}, Data: bytes.Repeat([]byte{0xff}, 8)}, func(t Tensor) error { _, err := t.Int64(); return err }, "beyond int64"},
	} {
		if err := tc.conv(tc.t); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.t, err, tc.want)
		}
	}
}

// TestGolden checks the exact bytes against a file laid out by hand from the
// spec: length, compact header with __metadata__ first and tensors in name
// order, space padding to a multiple of 8, then the little-endian data.
func TestGolden(t *testing.T) {
	f := &File{
		Metadata: map[string]string{"format": "pt"},
		Tensors: map[string]Tensor{
			"w": FromFloat32([]int{2}, []float32{1, -2}),
			"b": FromInt64(nil, []int64{7}),
		},
	}
	header := `{"__metadata__":{"format":"pt"},` +
		`"b":{"dtype":"I64","shape":[],"data_offsets":[0,8]},` +
		`"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}`
	if len(header) != 138 {
		t.Fatalf("hand-written header is %d bytes", len(header))
	}
	// 138 bytes of JSON, padded with 6 spaces to 144 = 0x90.
	want := []byte{0x90, 0, 0, 0, 0, 0, 0, 0}
	want = append(want, header+"      "...)
	want = append(want, 7, 0, 0, 0, 0, 0, 0, 0) // b = 7
	want = append(want, 0, 0, 0x80, 0x3f)       // w[0] = 1.0
	want = append(want, 0, 0, 0, 0xc0)          // w[1] = -2.0
	if got := mustEncode(t, f); !bytes.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// The file in the reference implementation's documentation: unpadded
// 60-byte header, one I32 tensor of zeros.
func TestDecodeReferenceExample(t *testing.T) {
	in := []byte("<\x00\x00\x00\x00\x00\x00\x00{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}")
	in = append(in, make([]byte, 16)...)
	f, err := Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.Tensors["test"].Int64()
	if err != nil || !slices.Equal(v, []int64{0, 0, 0, 0}) || !slices.Equal(f.Tensors["test"].Shape, []int{2, 2}) || f.Metadata != nil {
		t.Errorf("got %+v %v %v", f, v, err)
	}
}

// overflowWant is the error for a shape whose size overflows: where int has
// 32 bits, a single dimension of 2³² already does not fit.
var overflowWant = map[int]string{
	64: `tensor "a": shape [4294967296 4294967296] of F64 overflows`,
	32: `tensor "a": shape [4294967296 4294967296]: dimension 4294967296 is too large for this platform`,
}[strconv.IntSize]

func TestDecodeErrors(t *testing.T) {
	tensor := func(name, dtype, shape, offsets string) string {
		return `"` + name + `":{"dtype":"` + dtype + `","shape":` + shape + `,"data_offsets":` + offsets + `}`
	}
	huge := binary.LittleEndian.AppendUint64(nil, 200_000_000)
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"short", []byte{1, 2, 3}, "file is 3 bytes, too short"},
		{"header too large", append(huge, "{}"...), "header length 200000000 exceeds the 100000000-byte limit"},
		{"header beyond file", append(binary.LittleEndian.AppendUint64(nil, 50), "{}"...), "header length 50 exceeds the 2 bytes after it"},
		{"max uint64", append(binary.LittleEndian.AppendUint64(nil, math.MaxUint64), "{}"...), "exceeds"},
		{"not json", fileWith("{nope", nil), "not valid JSON"},
		{"truncated json", fileWith(`{"a":`, nil), "tensor \"a\""},
		{"not object", fileWith("[1,2]", nil), "not a JSON object"},
		{"empty header", fileWith("", nil), "not a JSON object"},
		{"invalid utf8", fileWith("{\"\xff\":1}", nil), "not valid UTF-8"},
		{"trailing", fileWith("{} {}", nil), "data after its JSON object"},
		{"tensor not object", fileWith(`{"a":5}`, nil), `tensor "a": json: cannot unmarshal`},
		{"unknown dtype", fileWith("{"+tensor("a", "F128", "[1]", "[0,16]")+"}", make([]byte, 16)), `tensor "a": unknown dtype "F128"`},
		{"missing dtype", fileWith(`{"a":{"shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1)), `tensor "a": unknown dtype ""`},
		{"missing shape", fileWith(`{"a":{"dtype":"U8","data_offsets":[0,1]}}`, make([]byte, 1)), `tensor "a": missing shape`},
		{"negative dim", fileWith("{"+tensor("a", "U8", "[-1]", "[0,1]")+"}", make([]byte, 1)), `tensor "a": shape [-1]: dimension -1`},
		{"fractional dim", fileWith("{"+tensor("a", "U8", "[1.5]", "[0,1]")+"}", make([]byte, 1)), `dimension 1.5 is not`},
		{"quoted dim", fileWith("{"+tensor("a", "U8", `["1"]`, "[0,1]")+"}", make([]byte, 1)), `dimension "1" is not`},
		{"huge dim", fileWith("{"+tensor("a", "U8", "[99999999999999999999]", "[0,1]")+"}", make([]byte, 1)), `dimension 99999999999999999999`},
		{"overflow", fileWith("{"+tensor("a", "F64", "[4294967296,4294967296]", "[0,8]")+"}", make([]byte, 8)), overflowWant},
		{"size mismatch", fileWith("{"+tensor("a", "F32", "[3]", "[0,8]")+"}", make([]byte, 8)), `tensor "a": shape [3] of F32 needs 12 bytes, data_offsets [0 8] span 8`},
		{"end before begin", fileWith("{"+tensor("a", "U8", "[0]", "[4,0]")+"}", make([]byte, 4)), `tensor "a": data_offsets [4 0]: end before begin`},
		{"out of range", fileWith("{"+tensor("a", "U8", "[4]", "[0,4]")+"}", make([]byte, 3)), `tensor "a": data_offsets [0 4]: beyond the 3-byte data buffer`},
		{"one offset", fileWith("{"+tensor("a", "U8", "[4]", "[4]")+"}", make([]byte, 4)), `tensor "a": data_offsets [4]: want [begin, end]`},
		{"negative offset", fileWith("{"+tensor("a", "U8", "[4]", "[-4,0]")+"}", make([]byte, 4)), `tensor "a": data_offsets [-4 0]: -4 is not`},
		{"overlap", fileWith("{"+tensor("a", "U8", "[4]", "[0,4]")+","+tensor("b", "U8", "[4]", "[2,6]")+"}", make([]byte, 6)), `tensor "b": data_offsets [2 6] overlap tensor "a"`},
		{"hole", fileWith("{"+tensor("a", "U8", "[2]", "[0,2]")+","+tensor("b", "U8", "[2]", "[3,5]")+"}", make([]byte, 5)), `tensor "b": data_offsets [3 5] leave bytes [2, 3) of the buffer unused`},
		{"leading hole", fileWith("{"+tensor("a", "U8", "[2]", "[1,3]")+"}", make([]byte, 3)), `leave bytes [0, 1)`},
		{"trailing bytes", fileWith("{"+tensor("a", "U8", "[2]", "[0,2]")+"}", make([]byte, 3)), "tensors cover 2 bytes but the data buffer holds 3"},
		{"duplicate", fileWith("{"+tensor("a", "U8", "[1]", "[0,1]")+","+tensor("a", "U8", "[1]", "[1,2]")+"}", make([]byte, 2)), `"a" appears twice`},
		{"metadata number", fileWith(`{"__metadata__":{"k":1}}`, nil), `__metadata__: value of "k" is not a string`},
		{"metadata nested", fileWith(`{"__metadata__":{"k":{"x":"y"}}}`, nil), `value of "k" is not a string`},
		{"metadata array", fileWith(`{"__metadata__":["k"]}`, nil), `__metadata__ is not an object of strings`},
		{"metadata twice", fileWith(`{"__metadata__":{},"__metadata__":{}}`, nil), `"__metadata__" appears twice`},
		{"metadata dup key", fileWith(`{"__metadata__":{"k":"a","k":"b"}}`, nil), `"k" appears twice`},
	} {
		f, err := Decode(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Decode = %v, %v; want error containing %q", tc.name, f, err, tc.want)
		}
		if len(tc.in) >= 8 {
			if _, err2 := Read(bytes.NewReader(tc.in), int64(len(tc.in))); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("%s: Read = %v, Decode = %v", tc.name, err2, err)
			}
		}
	}
}

func TestReadShortReader(t *testing.T) {
	enc := mustEncode(t, &File{Tensors: map[string]Tensor{"a": FromFloat64([]int{4}, []float64{1, 2, 3, 4})}})
	for _, cut := range []int{4, 20, len(enc) - 1} {
		if _, err := Read(bytes.NewReader(enc[:cut]), int64(len(enc))); err == nil {
			t.Errorf("Read of %d of %d bytes succeeded", cut, len(enc))
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		f    *File
		want string
	}{
		{&File{Tensors: map[string]Tensor{"w": FromFloat64([]int{3}, []float64{1, 2})}}, `tensor "w": shape [3] of F64 needs 24 bytes, data has 16`},
		{&File{Tensors: map[string]Tensor{"w": {DType: "F7", Shape: []int{}}}}, `tensor "w": unknown dtype "F7"`},
		{&File{Tensors: map[string]Tensor{"w": {DType: "U8", Shape: []int{-1}}}}, `tensor "w": negative dimension`},
		{&File{Tensors: map[string]Tensor{"__metadata__": FromInt64(nil, []int64{1})}}, "reserved"},
		{&File{Tensors: map[string]Tensor{"\xff": FromInt64(nil, []int64{1})}}, "not valid UTF-8"},
		{&File{Metadata: map[string]string{"k": "\xff"}}, "not valid UTF-8"},
	} {
		var buf bytes.Buffer
		err := Encode(&buf, tc.f)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Encode = %v, want %q", err, tc.want)
		}
		if buf.Len() != 0 {
			t.Errorf("Encode wrote %d bytes before failing", buf.Len())
		}
	}
	// Names needing escapes, including the HTML characters that
	// encoding/json would escape by default, survive a round trip.
	name := "a<b>&\"c\"\n\u00e9"
	enc := mustEncode(t, &File{Tensors: map[string]Tensor{name: FromInt64(nil, []int64{1})}})
	if !bytes.Contains(enc, []byte(`"a<b>&\"c\"\n`)) {
		t.Errorf("header %q", enc)
	}
	if f, err := Decode(enc); err != nil || len(f.Tensors[name].Data) != 8 {
		t.Errorf("round trip of %q: %v", name, err)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	good := &File{Tensors: map[string]Tensor{"w": FromFloat32([]int{2}, []float32{1, 2})}}
	if err := WriteFile(path, good); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil || !reflect.DeepEqual(got, &File{Tensors: good.Tensors}) {
		t.Fatalf("ReadFile = %+v, %v", got, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	before, _ := os.ReadFile(path)

	// A failure part way (here, an invalid tensor) leaves the old file and
	// no temporary file behind.
	bad := &File{Tensors: map[string]Tensor{"w": {DType: "F32", Shape: []int{3}, Data: []byte{1}}}}
	if err := WriteFile(path, bad); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `tensor "w"`) {
		t.Errorf("WriteFile(bad) = %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("failed write changed the existing file")
	}
	// A successful write replaces the old content.
	newer := &File{Tensors: map[string]Tensor{"step": FromInt64(nil, []int64{2})}}
	if err := WriteFile(path, newer); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFile(path); err != nil || len(got.Tensors) != 1 || got.Tensors["step"].DType != "I64" {
		t.Fatalf("after overwrite: %+v, %v", got, err)
	}

	// So does a failing rename: the target is a non-empty directory.
	blocked := filepath.Join(dir, "blocked")
	os.MkdirAll(filepath.Join(blocked, "x"), 0o755)
	if err := WriteFile(blocked, good); err == nil {
		t.Error("WriteFile over a directory succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only model.safetensors and blocked", names)
	}

	// A directory that cannot be written to: one that does not exist, and
	// (when not running as root, which ignores permissions) a read-only one.
	if err := WriteFile(filepath.Join(dir, "missing", "m.safetensors"), good); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		defer os.Chmod(ro, 0o755)
		if err := WriteFile(filepath.Join(ro, "m.safetensors"), good); err == nil {
			t.Error("WriteFile into a read-only directory succeeded")
		}
		if entries, _ := os.ReadDir(ro); len(entries) != 0 {
			t.Errorf("read-only directory holds %d entries", len(entries))
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(mustEncode(f, &File{
		Metadata: map[string]string{"format": "pt"},
		Tensors: map[string]Tensor{
			"a": FromFloat32([]int{2, 2}, []float32{1, 2, 3, 4}),
			"b": FromInt64(nil, []int64{9}),
			"c": {DType: "BF16", Shape: []int{0}, Data: []byte{}},
		},
	}))
	f.Add(fileWith(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, []byte{1, 2}))
	f.Add(fileWith(`{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add(fileWith(`{"__metadata__":{"k":{"x":1}}}`, nil))
	f.Add(fileWith(`{"a":{"dtype":"I8","shape":[-1],"data_offsets":[4,0]}}`, nil))
	f.Add(append(binary.LittleEndian.AppendUint64(nil, math.MaxUint64), '{'))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		file, err := Decode(in)
		if err != nil {
			return
		}
		// Anything accepted must re-encode, and decode again to the same
		// tensors.
		var buf bytes.Buffer
		if err := Encode(&buf, file); err != nil {
			t.Fatalf("decoded file does not re-encode: %v", err)
		}
		again, err := Decode(buf.Bytes())
		if err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
		for name, t1 := range file.Tensors {
			t2 := again.Tensors[name]
			if t1.DType != t2.DType || !slices.Equal(t1.Shape, t2.Shape) || !bytes.Equal(t1.Data, t2.Data) {
				t.Fatalf("tensor %q changed in a round trip", name)
			}
		}
		if len(again.Tensors) != len(file.Tensors) || !reflect.DeepEqual(again.Metadata, file.Metadata) && len(file.Metadata) > 0 {
			t.Fatal("tensors or metadata changed in a round trip")
		}
	})
}

// TestViews: ViewFloat64 and ViewFloat32 encode the bytes FromFloat64 and
// FromFloat32 do (signed zeros, NaN payloads, subnormals included) and, on
// a little-endian machine, are the slices' own memory.
func TestViews(t *testing.T) {
	f64 := []float64{0, math.Copysign(0, -1), 1.5, -2e-310, math.Inf(1), math.Float64frombits(0x7ff8000000000123), math.MaxFloat64}
	f32 := []float32{0, float32(math.Copysign(0, -1)), 1.5, -1e-40, float32(math.Inf(-1)), math.Float32frombits(0x7fc00123)}
	if v, c := ViewFloat64([]int{len(f64)}, f64), FromFloat64([]int{len(f64)}, f64); !bytes.Equal(v.Data, c.Data) || v.DType != c.DType || !slices.Equal(v.Shape, c.Shape) {
		t.Errorf("ViewFloat64 = %v, FromFloat64 = %v", v, c)
	}
	if v, c := ViewFloat32([]int{2, 3}, f32), FromFloat32([]int{2, 3}, f32); !bytes.Equal(v.Data, c.Data) || v.DType != c.DType || !slices.Equal(v.Shape, c.Shape) {
		t.Errorf("ViewFloat32 = %v, FromFloat32 = %v", v, c)
	}
	if e := ViewFloat64(nil, nil); len(e.Data) != 0 || e.DType != "F64" {
		t.Errorf("empty view: %+v", e)
	}
	if littleEndian {
		v := ViewFloat64([]int{len(f64)}, f64)
		f64[2] = 3
		if got := math.Float64frombits(binary.LittleEndian.Uint64(v.Data[16:])); got != 3 {
			t.Errorf("ViewFloat64 copied its slice: element 2 reads %v after the slice changed", got)
		}
	}
	// Encoded through a file, a view reads back as the values.
	var buf bytes.Buffer
	if err := Encode(&buf, &File{Tensors: map[string]Tensor{"w": ViewFloat64([]int{len(f64)}, f64)}}); err != nil {
		t.Fatal(err)
	}
	f, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Tensors["w"].Float64()
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(f64[i]) {
			t.Errorf("element %d reads back %v, wrote %v", i, got[i], f64[i])
		}
	}
}
