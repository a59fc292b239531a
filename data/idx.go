package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// IDX element types: the third byte of an IDX file's magic number.
const (
	IDXUint8   byte = 0x08
	IDXInt8    byte = 0x09
	IDXInt16   byte = 0x0B
	IDXInt32   byte = 0x0C
	IDXFloat32 byte = 0x0D
	IDXFloat64 byte = 0x0E
)

// maxIDXElements bounds the element count an IDX header may declare: 2^30,
// above EMNIST's largest file (5.5×10^8) but low enough that a small gzip
// bomb cannot expand into more than 8 GiB of float64s.
const maxIDXElements = 1 << 30

// readChunk is how many bytes of element data the reader decodes at a time.
const readChunk = 1 << 16

// maxDeflateRatio is the most a deflate stream can expand: 258 bytes from
// as little as 2 bits, 1032:1.
const maxDeflateRatio = 1032

func idxSize(typ byte) int {
	switch typ {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// ReadIDX reads an IDX file, the format of MNIST and Fashion-MNIST, gzipped
// or not (gzip is recognised by its magic bytes 0x1f 0x8b). It returns the
// dimensions from the header and every element converted to float64, in the
// file's row-major order; values are not rescaled. All six IDX element types
// are supported. A header that declares more data than follows or more than
// 2^30 elements, trailing bytes after the data, or a corrupt gzip stream is
// an error.
func ReadIDX(r io.Reader) (dims []int, values []float64, err error) {
	_, dims, values, err = readIDX[float64](r, -1)
	return dims, values, err
}

// readIDX reads an IDX stream into a []T, decoding the elements as they
// arrive, so that no copy of the file's bytes and no other element type is
// held. inputSize is the size of the stream in bytes, or -1 if unknown: the
// values are allocated at once when the input is large enough to hold them
// (or, gzipped, to expand to them), and otherwise only as the bytes arrive,
// so that a hostile header cannot make the reader allocate more than its
// input can deliver.
func readIDX[T float32 | float64](r io.Reader, inputSize int64) (typ byte, dims []int, values []T, err error) {
	br := bufio.NewReader(r)
	ratio := int64(1)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("idx: gzip: %w", err)
		}
		br, ratio = bufio.NewReader(zr), maxDeflateRatio
	}
	var magic [4]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil {
		return 0, nil, nil, fmt.Errorf("idx: reading magic number: %w", noEOF(err))
	}
	typ, size := magic[2], idxSize(magic[2])
	switch {
	case magic[0] != 0 || magic[1] != 0:
		return 0, nil, nil, fmt.Errorf("idx: bad magic number % x: must start with two zero bytes", magic)
	case size == 0:
		return 0, nil, nil, fmt.Errorf("idx: unknown element type 0x%02x", typ)
	case magic[3] == 0:
		return 0, nil, nil, errors.New("idx: header declares zero dimensions")
	}
	raw := make([]byte, 4*int(magic[3]))
	if _, err := io.ReadFull(br, raw); err != nil {
		return 0, nil, nil, fmt.Errorf("idx: reading %d dimensions: %w", magic[3], noEOF(err))
	}
	count := int64(1)
	for i := range int(magic[3]) {
		d := int64(binary.BigEndian.Uint32(raw[4*i:]))
		dims = append(dims, int(d))
		// Checked before multiplying: two 32-bit dimensions can overflow
		// int64, and a wrapped product would pass a plain comparison.
		if d != 0 && count > maxIDXElements/d {
			return 0, nil, nil, fmt.Errorf("idx: dimensions %v declare more than %d elements", dims, int64(maxIDXElements))
		}
		count *= d
	}
	need := count * int64(size)
	if inputSize >= 0 && need <= inputSize*ratio {
		values = make([]T, 0, count)
	}
	buf := make([]byte, min(need, readChunk))
	for read := int64(0); read < need; {
		chunk := buf[:min(need-read, readChunk)]
		got, err := io.ReadFull(br, chunk)
		if err != nil {
			return 0, nil, nil, fmt.Errorf("idx: dimensions %v need %d bytes of data, only %d present: %w", dims, need, read+int64(got), noEOF(err))
		}
		read += int64(got)
		values = decodeIDX(values, typ, chunk)
	}
	// Reading on to the end also makes gzip verify its checksum.
	var one [1]byte
	if n, err := io.ReadFull(br, one[:]); n > 0 {
		return 0, nil, nil, fmt.Errorf("idx: trailing bytes after the %d bytes of data declared by dimensions %v", need, dims)
	} else if err != io.EOF {
		return 0, nil, nil, fmt.Errorf("idx: after the data: %w", err)
	}
	if values == nil {
		values = []T{}
	}
	return typ, dims, values, nil
}

// decodeIDX appends the elements of type typ held in buf (whole elements
// only) to values, converted to T.
func decodeIDX[T float32 | float64](values []T, typ byte, buf []byte) []T {
	n := len(values)
	values = slices.Grow(values, len(buf)/idxSize(typ))
	values = values[:n+len(buf)/idxSize(typ)]
	out := values[n:]
	// One loop per type rather than a switch per element: this loop is most
	// of the time spent loading Fashion-MNIST.
	switch typ {
	case IDXUint8:
		for i, b := range buf {
			out[i] = T(b)
		}
	case IDXInt8:
		for i, b := range buf {
			out[i] = T(int8(b))
		}
	case IDXInt16:
		for i := range out {
			out[i] = T(int16(binary.BigEndian.Uint16(buf[2*i:])))
		}
	case IDXInt32:
		for i := range out {
			out[i] = T(int32(binary.BigEndian.Uint32(buf[4*i:])))
		}
	case IDXFloat32:
		for i := range out {
			out[i] = T(math.Float32frombits(binary.BigEndian.Uint32(buf[4*i:])))
		}
	case IDXFloat64:
		for i := range out {
			out[i] = T(math.Float64frombits(binary.BigEndian.Uint64(buf[8*i:])))
		}
	}
	return values
}

// noEOF turns a bare EOF, which reads as success to many callers, into
// io.ErrUnexpectedEOF: running out of bytes inside an IDX file is always an
// error.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// WriteIDX writes values as an uncompressed IDX file with the given element
// type and dimensions. Values must fit the type exactly (integers in range
// for the integer types), since IDX readers have no way to notice a silent
// truncation.
func WriteIDX(w io.Writer, typ byte, dims []int, values []float64) error {
	size := idxSize(typ)
	if size == 0 {
		return fmt.Errorf("idx: unknown element type 0x%02x", typ)
	}
	if len(dims) == 0 || len(dims) > 255 {
		return fmt.Errorf("idx: %d dimensions, want 1 to 255", len(dims))
	}
	hdr := []byte{0, 0, typ, byte(len(dims))}
	count := 1
	for _, d := range dims {
		if d < 0 || uint64(d) > math.MaxUint32 { // (uint64: compiles where int is 32 bits)
			return fmt.Errorf("idx: dimension %d out of range", d)
		}
		hdr = binary.BigEndian.AppendUint32(hdr, uint32(d))
		count *= d
	}
	if count != len(values) {
		return fmt.Errorf("idx: dimensions %v hold %d elements, got %d values", dims, count, len(values))
	}
	lo, hi := idxIntRange(typ)
	out := make([]byte, 0, len(hdr)+size*len(values))
	out = append(out, hdr...)
	for i, v := range values {
		if lo < hi && (v != math.Trunc(v) || v < lo || v > hi) {
			return fmt.Errorf("idx: value %d (%v) does not fit element type 0x%02x", i, v, typ)
		}
		switch typ {
		case IDXUint8, IDXInt8:
			out = append(out, byte(int64(v)))
		case IDXInt16:
			out = binary.BigEndian.AppendUint16(out, uint16(int64(v)))
		case IDXInt32:
			out = binary.BigEndian.AppendUint32(out, uint32(int64(v)))
		case IDXFloat32:
			out = binary.BigEndian.AppendUint32(out, math.Float32bits(float32(v)))
		case IDXFloat64:
			out = binary.BigEndian.AppendUint64(out, math.Float64bits(v))
		}
	}
	_, err := w.Write(out)
	return err
}

// idxIntRange returns the range of an integer element type, or 0, 0 for the
// floating-point types.
func idxIntRange(typ byte) (lo, hi float64) {
	switch typ {
	case IDXUint8:
		return 0, math.MaxUint8
	case IDXInt8:
		return math.MinInt8, math.MaxInt8
	case IDXInt16:
		return math.MinInt16, math.MaxInt16
	case IDXInt32:
		return math.MinInt32, math.MaxInt32
	}
	return 0, 0
}

// LoadIDXPair reads an image file and a label file in IDX format (gzipped or
// not) into a classification dataset stored in float64; see [LoadIDXPairAs].
func LoadIDXPair(imagesPath, labelsPath string) (*Dataset, error) {
	return LoadIDXPairAs(imagesPath, labelsPath, Float64)
}

// LoadIDXPairAs reads an image file and a label file in IDX format (gzipped
// or not) into a classification dataset whose features are stored in s; the
// file is decoded straight into that type, with no float64 copy. The first
// image dimension counts the samples and the rest become Shape; with two
// more dimensions (height, width), as in the MNIST family, Image is
// (1, height, width). Unsigned-byte pixels are scaled to [0, 1], other types
// are kept as stored. Classes is the largest label plus one.
func LoadIDXPairAs(imagesPath, labelsPath string, s Storage) (*Dataset, error) {
	var ds *Dataset
	var err error
	if s == Float32 {
		ds, err = loadIDXImages[float32](imagesPath, func(ds *Dataset, x []float32) { ds.X32 = x })
	} else {
		ds, err = loadIDXImages[float64](imagesPath, func(ds *Dataset, x []float64) { ds.X = x })
	}
	if err != nil {
		return nil, err
	}
	_, ldims, labels, err := readIDXFile[float64](labelsPath)
	if err != nil {
		return nil, err
	}
	if len(ldims) != 1 {
		return nil, fmt.Errorf("data: %s: labels have dimensions %v, want one dimension", labelsPath, ldims)
	}
	if ldims[0] != ds.N {
		return nil, fmt.Errorf("data: %d labels in %s but %d images in %s", ldims[0], labelsPath, ds.N, imagesPath)
	}
	ds.Y = make([]int, len(labels))
	for i, v := range labels {
		if v != math.Trunc(v) || v < 0 || v >= maxClasses {
			return nil, fmt.Errorf("data: %s: label %d is %v, not an integer in [0, %d)", labelsPath, i, v, maxClasses)
		}
		ds.Y[i] = int(v)
		ds.Classes = max(ds.Classes, ds.Y[i]+1)
	}
	return ds, nil
}

// loadIDXImages reads an IDX image file into a Dataset without labels,
// storing the pixels with set.
func loadIDXImages[T float32 | float64](path string, set func(*Dataset, []T)) (*Dataset, error) {
	typ, dims, x, err := readIDXFile[T](path)
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Name: filepath.Base(path), N: dims[0], D: 1}
	if len(dims) > 1 {
		ds.Shape = dims[1:]
		for _, d := range ds.Shape {
			ds.D *= d
		}
	}
	if len(dims) == 3 && ds.D > 0 {
		ds.Image = [3]int{1, dims[1], dims[2]}
	}
	if typ == IDXUint8 {
		for i := range x {
			x[i] /= 255
		}
	}
	for i, v := range x {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("data: %s: value %d (sample %d, element %d) is %v: the data must be finite numbers", path, i, i/ds.D, i%ds.D, v)
		}
	}
	set(ds, x)
	return ds, nil
}

func readIDXFile[T float32 | float64](path string) (byte, []int, []T, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	typ, dims, v, err := readIDX[T](f, size)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("data: %s: %w", path, err)
	}
	return typ, dims, v, nil
}

// DefaultFashionMNISTDir is where Debian's dataset-fashion-mnist package
// installs the data.
const DefaultFashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// FashionMNIST reads Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 60000
// training and 10000 test images of 28×28 pixels scaled to [0, 1], in 10
// classes of clothing, stored in float64. It looks for the four original
// gzipped IDX files in dir, or in [DefaultFashionMNISTDir] when dir is empty.
// Image is (1, 28, 28).
func FashionMNIST(dir string) (train, test *Dataset, err error) {
	return FashionMNISTAs(dir, Float64)
}

// FashionMNISTAs is [FashionMNIST] with the pixels stored in s: in float32,
// the 70000 images take 220 MB instead of 439 MB.
func FashionMNISTAs(dir string, s Storage) (train, test *Dataset, err error) {
	if dir == "" {
		dir = DefaultFashionMNISTDir
	}
	files := []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
		"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("data: Fashion-MNIST not found: %s is missing; install it with `apt-get install dataset-fashion-mnist` (Debian), which puts it in %s", filepath.Join(dir, f), DefaultFashionMNISTDir)
		}
	}
	names := []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
		"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	var sets [2]*Dataset
	for i, part := range []string{"train", "test"} {
		ds, err := LoadIDXPairAs(filepath.Join(dir, files[2*i]), filepath.Join(dir, files[2*i+1]), s)
		if err != nil {
			return nil, nil, err
		}
		if ds.Classes > len(names) {
			return nil, nil, fmt.Errorf("data: %s: label %d, Fashion-MNIST has %d classes", files[2*i+1], ds.Classes-1, len(names))
		}
		ds.Name, ds.Classes, ds.ClassNames = "fashion-mnist "+part, len(names), names
		sets[i] = ds
	}
	return sets[0], sets[1], nil
}
