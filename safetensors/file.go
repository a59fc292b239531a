package safetensors

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxHeaderSize is the largest JSON header accepted, as in the reference
// implementation: far above any real model's header, low enough that a
// corrupt length cannot make a reader allocate gigabytes.
const MaxHeaderSize = 100_000_000

// metadataKey is the reserved header entry that holds File.Metadata.
const metadataKey = "__metadata__"

// File is the content of a safetensors file.
type File struct {
	Tensors  map[string]Tensor
	Metadata map[string]string // free-form; nil when the file has none
}

// Encode writes f in safetensors format. Tensors are laid out in name order,
// contiguously. Nothing is written if a tensor is invalid (unknown dtype,
// data length not matching its shape) or a name or metadata string is not
// valid UTF-8; the error names the tensor.
func Encode(w io.Writer, f *File) error {
	if err := encode(w, f); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

func encode(w io.Writer, f *File) error {
	names := slices.Sorted(maps.Keys(f.Tensors))
	var h bytes.Buffer
	h.WriteByte('{')
	if len(f.Metadata) > 0 {
		writeString(&h, metadataKey)
		h.WriteString(":{")
		for i, k := range slices.Sorted(maps.Keys(f.Metadata)) {
			if !utf8.ValidString(k) || !utf8.ValidString(f.Metadata[k]) {
				return fmt.Errorf("metadata %q: not valid UTF-8", k)
			}
			if i > 0 {
				h.WriteByte(',')
			}
			writeString(&h, k)
			h.WriteByte(':')
			writeString(&h, f.Metadata[k])
		}
		h.WriteByte('}')
	}
	offset := 0
	for _, name := range names {
		t := f.Tensors[name]
		switch {
		case name == metadataKey:
			return fmt.Errorf("%q is reserved and cannot name a tensor", name)
		case !utf8.ValidString(name):
			return fmt.Errorf("tensor %q: name is not valid UTF-8", name)
		}
		if err := t.check(); err != nil {
			return fmt.Errorf("tensor %q: %w", name, err)
		}
		if h.Len() > 1 {
			h.WriteByte(',')
		}
		writeString(&h, name)
		fmt.Fprintf(&h, `:{"dtype":%q,"shape":[`, t.DType)
		for i, d := range t.Shape {
			if i > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, offset, offset+len(t.Data))
		offset += len(t.Data)
	}
	h.WriteByte('}')
	// Padding makes the data buffer start 8-byte aligned in the file, so a
	// memory-mapped reader can view it as float64s in place.
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	if h.Len() > MaxHeaderSize {
		return fmt.Errorf("header of %d bytes exceeds the %d-byte limit", h.Len(), MaxHeaderSize)
	}
	bw := bufio.NewWriter(w)
	binary.Write(bw, binary.LittleEndian, uint64(h.Len()))
	bw.Write(h.Bytes())
	for _, name := range names {
		bw.Write(f.Tensors[name].Data)
	}
	return bw.Flush() // bufio keeps the first write error, so checking here suffices
}

// writeString writes s as a JSON string without the HTML escaping of
// encoding/json, matching the reference implementation byte for byte.
func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // cannot fail for a string
	b.Truncate(b.Len() - 1) // Encode appends a newline
}

// Decode parses a whole safetensors file held in memory. The Data of each
// returned tensor aliases data rather than copying it.
func Decode(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("safetensors: file is %d bytes, too short for the 8-byte header length", len(data))
	}
	n, err := headerLen(binary.LittleEndian.Uint64(data), uint64(len(data)))
	if err != nil {
		return nil, err
	}
	f, spans, err := parseHeader(data[8:8+n], uint64(len(data))-8-n)
	if err != nil {
		return nil, err
	}
	buf := data[8+n:]
	for name, s := range spans {
		t := f.Tensors[name]
		t.Data = buf[s[0]:s[1]:s[1]]
		f.Tensors[name] = t
	}
	return f, nil
}

// Read parses a safetensors file of size bytes from r, as returned by
// os.File.Stat. The header is validated before the data buffer is
// allocated, and that buffer is never larger than size.
func Read(r io.Reader, size int64) (*File, error) {
	if size < 8 {
		return nil, fmt.Errorf("safetensors: file is %d bytes, too short for the 8-byte header length", size)
	}
	var raw [8]byte
	if _, err := io.ReadFull(r, raw[:]); err != nil {
		return nil, fmt.Errorf("safetensors: reading header length: %w", err)
	}
	n, err := headerLen(binary.LittleEndian.Uint64(raw[:]), uint64(size))
	if err != nil {
		return nil, err
	}
	// ReadAll grows with the bytes that really arrive, so a short reader
	// cannot make a large header length cost a large allocation.
	header, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil {
		return nil, fmt.Errorf("safetensors: reading header: %w", err)
	}
	if uint64(len(header)) != n {
		return nil, fmt.Errorf("safetensors: header length is %d but only %d bytes follow", n, len(header))
	}
	bufLen := uint64(size) - 8 - n
	f, spans, err := parseHeader(header, bufLen)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, bufLen)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("safetensors: reading %d bytes of tensor data: %w", bufLen, err)
	}
	for name, s := range spans {
		t := f.Tensors[name]
		t.Data = buf[s[0]:s[1]:s[1]]
		f.Tensors[name] = t
	}
	return f, nil
}

// ReadFile reads and parses the safetensors file at path.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func headerLen(n, fileSize uint64) (uint64, error) {
	switch {
	case n > MaxHeaderSize:
		return 0, fmt.Errorf("safetensors: header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	case n > fileSize-8:
		return 0, fmt.Errorf("safetensors: header length %d exceeds the %d bytes after it", n, fileSize-8)
	}
	return n, nil
}

// entry is a tensor's header record as it appears in the JSON.
type entry struct {
	DType string `json:"dtype"`
	// Raw, so that quoted numbers, which encoding/json would accept for a
	// json.Number, are rejected as the reference implementation does.
	Shape   []json.RawMessage `json:"shape"`
	Offsets []json.RawMessage `json:"data_offsets"`
}

// parseHeader validates a JSON header against a data buffer of bufLen bytes
// and returns the file with empty tensor data, plus each tensor's [begin,
// end) span in the buffer.
func parseHeader(header []byte, bufLen uint64) (*File, map[string][2]uint64, error) {
	if !utf8.Valid(header) {
		return nil, nil, errors.New("safetensors: header is not valid UTF-8")
	}
	if len(header) == 0 || header[0] != '{' {
		return nil, nil, errors.New("safetensors: header is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(header))
	bad := func(err error) error { return fmt.Errorf("safetensors: header is not valid JSON: %w", err) }
	if _, err := dec.Token(); err != nil {
		return nil, nil, bad(err)
	}
	f := &File{Tensors: map[string]Tensor{}}
	spans := map[string][2]uint64{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, bad(err)
		}
		name := tok.(string) // object keys are always strings
		if _, dup := spans[name]; dup || name == metadataKey && f.Metadata != nil {
			return nil, nil, fmt.Errorf("safetensors: %q appears twice in the header", name)
		}
		if name == metadataKey {
			if f.Metadata, err = parseMetadata(dec); err != nil {
				return nil, nil, err
			}
			continue
		}
		var e entry
		if err := dec.Decode(&e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		t, span, err := e.tensor(bufLen)
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		f.Tensors[name], spans[name] = t, span
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, bad(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("safetensors: header has data after its JSON object")
	}
	return f, spans, checkTiling(spans, bufLen)
}

func parseMetadata(dec *json.Decoder) (map[string]string, error) {
	m := map[string]string{}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("safetensors: %s is not an object of strings", metadataKey)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("safetensors: %s: %w", metadataKey, err)
		}
		v, err := dec.Token()
		s, ok := v.(string)
		if err != nil || !ok {
			return nil, fmt.Errorf("safetensors: %s: value of %q is not a string", metadataKey, k)
		}
		if _, dup := m[k.(string)]; dup {
			return nil, fmt.Errorf("safetensors: %s: %q appears twice", metadataKey, k)
		}
		m[k.(string)] = s
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", metadataKey, err)
	}
	return m, nil
}

func (e entry) tensor(bufLen uint64) (Tensor, [2]uint64, error) {
	if _, ok := dtypeSizes[e.DType]; !ok {
		return Tensor{}, [2]uint64{}, fmt.Errorf("unknown dtype %q", e.DType)
	}
	if e.Shape == nil {
		return Tensor{}, [2]uint64{}, errors.New("missing shape")
	}
	shape := make([]int, len(e.Shape))
	for i, s := range e.Shape {
		d, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil || d < 0 {
			return Tensor{}, [2]uint64{}, fmt.Errorf("shape %s: dimension %s is not a non-negative integer", rawList(e.Shape), s)
		}
		if d > math.MaxInt { // only where int has 32 bits
			return Tensor{}, [2]uint64{}, fmt.Errorf("shape %s: dimension %s is too large for this platform (int has %d bits)", rawList(e.Shape), s, strconv.IntSize)
		}
		shape[i] = int(d)
	}
	n, err := byteSize(e.DType, shape)
	if err != nil {
		return Tensor{}, [2]uint64{}, err
	}
	if len(e.Offsets) != 2 {
		return Tensor{}, [2]uint64{}, fmt.Errorf("data_offsets %s: want [begin, end]", rawList(e.Offsets))
	}
	var span [2]uint64
	for i, s := range e.Offsets {
		if span[i], err = strconv.ParseUint(string(s), 10, 64); err != nil {
			return Tensor{}, [2]uint64{}, fmt.Errorf("data_offsets %s: %s is not a non-negative integer", rawList(e.Offsets), s)
		}
	}
	switch {
	case span[1] < span[0]:
		return Tensor{}, [2]uint64{}, fmt.Errorf("data_offsets %v: end before begin", span)
	case span[1] > bufLen:
		return Tensor{}, [2]uint64{}, fmt.Errorf("data_offsets %v: beyond the %d-byte data buffer", span, bufLen)
	case span[1]-span[0] != uint64(n):
		return Tensor{}, [2]uint64{}, fmt.Errorf("shape %v of %s needs %d bytes, data_offsets %v span %d", shape, e.DType, n, span, span[1]-span[0])
	}
	return Tensor{DType: e.DType, Shape: shape}, span, nil
}

// rawList formats JSON values as Go formats a slice, to quote a header field
// in an error as it would read once parsed.
func rawList(l []json.RawMessage) string {
	s := make([]string, len(l))
	for i, v := range l {
		s[i] = string(v)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// checkTiling enforces the reference implementation's rule that tensors
// cover the data buffer exactly once: overlaps would let one write silently
// change another tensor, and holes would hide unaccounted bytes.
func checkTiling(spans map[string][2]uint64, bufLen uint64) error {
	names := slices.SortedFunc(maps.Keys(spans), func(a, b string) int {
		return cmp.Or(cmp.Compare(spans[a][0], spans[b][0]), cmp.Compare(spans[a][1], spans[b][1]), cmp.Compare(a, b))
	})
	var end uint64
	for i, name := range names {
		s := spans[name]
		switch {
		case s[0] < end:
			return fmt.Errorf("safetensors: tensor %q: data_offsets %v overlap tensor %q", name, s, names[i-1])
		case s[0] > end:
			return fmt.Errorf("safetensors: tensor %q: data_offsets %v leave bytes [%d, %d) of the buffer unused", name, s, end, s[0])
		}
		end = s[1]
	}
	if end != bufLen {
		return fmt.Errorf("safetensors: tensors cover %d bytes but the data buffer holds %d", end, bufLen)
	}
	return nil
}

// WriteFile writes f to path atomically: it writes a temporary file in the
// same directory, syncs it, renames it over path and syncs the directory.
// On failure the temporary file is removed and any previous file at path is
// left as it was, so an interrupted checkpoint never destroys the last good
// one. The new file gets mode 0644.
func WriteFile(path string, f *File) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("safetensors: writing %s: %w", path, err)
		}
	}()
	if err := encode(tmp, f); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Without this the rename itself may be lost in a crash.
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
