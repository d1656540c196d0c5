package writer

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Index records the files degen generated.
type Index struct {
	Version int                   `json:"version"`
	Files   map[string]IndexEntry `json:"files"`
}

// IndexEntry is one generated file.
type IndexEntry struct {
	SHA256 string   `json:"sha256"`
	Envs   []string `json:"envs"`
}

// CorruptIndexError is returned when out/'s index cannot be read or names a
// path degen would never write. The index is committed, so it is untrusted
// input: every entry is checked before any file is touched.
type CorruptIndexError struct {
	Path   string // the index file
	Entry  string // the offending entry, when one is to blame
	Reason string
	named  bool // Entry is to blame (it may be the empty string)
}

func (e *CorruptIndexError) Error() string {
	what := "is not a degen index (edited by hand or corrupt)"
	if e.named {
		what = fmt.Sprintf("has the entry %s, which %s", quoteShort(e.Entry), e.Reason)
	} else if e.Reason != "" {
		what = fmt.Sprintf("is not a degen index (%s)", e.Reason)
	}
	return fmt.Sprintf("%s %s: restore it from git (git checkout -- %s) and run again", e.Path, what, e.Path)
}

// ReadIndex reads out/'s index; a missing out/ or index is an empty index.
// out/ itself must not be a symbolic link, and the index must be a regular
// file inside it.
func ReadIndex(out string) (*Index, error) {
	r, err := openOut(out)
	if errors.Is(err, fs.ErrNotExist) {
		return emptyIndex(), nil
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readIndex(r, displayIndex(out))
}

func readIndex(r *outRoot, display string) (*Index, error) {
	data, err := r.readRegular(IndexName)
	if errors.Is(err, fs.ErrNotExist) {
		return emptyIndex(), nil
	}
	if err != nil {
		return nil, err
	}
	return ParseIndex(data, display)
}

func emptyIndex() *Index { return &Index{Version: 1, Files: map[string]IndexEntry{}} }

// ParseIndex decodes and validates an index. display names the file in
// errors. An entry must be a canonical, slash-separated path inside out/
// (no "..", no ".", no empty or absolute part, no backslash), appear once,
// not lie under another entry, and carry a SHA-256 and environment names.
func ParseIndex(data []byte, display string) (*Index, error) {
	bad := func(entry, reason string) error {
		return &CorruptIndexError{Path: display, Entry: entry, Reason: reason, named: true}
	}
	keys, err := objectKeys(data)
	if err != nil {
		return nil, &CorruptIndexError{Path: display, Reason: err.Error()}
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			return nil, bad(k, "is listed twice")
		}
		seen[k] = true
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var idx Index
	if err := dec.Decode(&idx); err != nil {
		return nil, &CorruptIndexError{Path: display, Reason: shorten(err.Error())}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &CorruptIndexError{Path: display, Reason: "data after the index"}
	}
	if idx.Version != 1 {
		return nil, &CorruptIndexError{Path: display, Reason: fmt.Sprintf("version %d, this degen reads version 1", idx.Version)}
	}
	if idx.Files == nil {
		return nil, &CorruptIndexError{Path: display, Reason: `no "files" object`}
	}
	for _, p := range sortedKeys(idx.Files) {
		if reason := checkRel(p); reason != "" {
			return nil, bad(p, reason)
		}
		e := idx.Files[p]
		if len(e.SHA256) != 64 || !isLowerHex(e.SHA256) {
			return nil, bad(p, "has no SHA-256 (64 lower-case hex digits)")
		}
		if len(e.Envs) == 0 {
			return nil, bad(p, "names no environment")
		}
		for i, env := range e.Envs {
			if !isLabel(env) || (i > 0 && e.Envs[i-1] >= env) {
				return nil, bad(p, fmt.Sprintf("names the environments %q (sorted, unique DNS labels expected)", e.Envs))
			}
		}
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			if _, ok := idx.Files[dir]; ok {
				return nil, bad(p, fmt.Sprintf("lies under the file entry %q", dir))
			}
		}
	}
	return &idx, nil
}

// objectKeys returns the keys of the index's "files" object in order, so a
// duplicate (which encoding/json would silently collapse) can be refused.
func objectKeys(data []byte) ([]string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, errors.New(shorten(err.Error()))
	}
	raw, ok := top["files"]
	if !ok {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New(`"files" is not an object`)
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, errors.New(shorten(err.Error()))
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, errors.New(shorten(err.Error()))
		}
	}
	return keys, nil
}

// checkRel says why p is not a path degen writes inside out/, or "".
func checkRel(p string) string {
	switch {
	case p == "":
		return "is empty"
	case len(p) > 1024:
		return "is longer than 1024 bytes"
	case strings.HasPrefix(p, "/"):
		return "is an absolute path (entries are relative to out/)"
	case strings.ContainsAny(p, "\\\x00"):
		return "holds a backslash or NUL byte"
	case p == IndexName:
		return "is the index itself"
	}
	for _, part := range strings.Split(p, "/") {
		switch part {
		case "":
			return "has an empty path element (// or a trailing /)"
		case ".", "..":
			return "is not canonical: it holds . or .. and could point outside out/"
		}
		if len(part) > 255 {
			return "has a path element longer than 255 bytes"
		}
		for _, r := range part {
			if r < 0x20 || r == 0x7f {
				return "holds a control character"
			}
		}
	}
	return ""
}

func isLowerHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// isLabel reports whether s is a DNS-1123 label, the shape of every
// environment name.
func isLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' && i > 0 && i < len(s)-1
		if !ok {
			return false
		}
	}
	return true
}

func encodeIndex(final map[string]finalFile) []byte {
	idx := Index{Version: 1, Files: map[string]IndexEntry{}}
	for p, f := range final {
		idx.Files[p] = IndexEntry{SHA256: f.sum, Envs: f.envs}
	}
	data, _ := json.MarshalIndent(idx, "", "  ")
	return append(data, '\n')
}

// shorten cuts a message part to a readable length.
func shorten(s string) string {
	const max = 120
	if len(s) <= max {
		return s
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:max], len(s))
}

func quoteShort(s string) string {
	q := fmt.Sprintf("%q", s)
	if len(q) <= 120 {
		return q
	}
	return fmt.Sprintf("%s…\" (%d bytes)", q[:118], len(s))
}
