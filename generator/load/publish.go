package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"cuelang.org/go/mod/modconfig"
	"cuelang.org/go/mod/modregistry"
	"cuelang.org/go/mod/module"
	"cuelang.org/go/mod/modzip"

	"github.com/degen-dev/degen/schema"
)

// SchemaZip is the schema module (schema.Module at schema.Version) as a
// CUE module zip: the embedded files, byte for byte.
func SchemaZip() ([]byte, error) {
	mv, err := module.NewVersion(schema.Module, schema.Version)
	if err != nil {
		return nil, err
	}
	var names []string
	err = fs.WalkDir(schema.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := modzip.Create(&buf, mv, names, embeddedIO{}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// embeddedIO reads the schema module's files for modzip.
type embeddedIO struct{}

func (embeddedIO) Path(name string) string                 { return name }
func (embeddedIO) Lstat(name string) (fs.FileInfo, error)  { return fs.Stat(schema.Files(), name) }
func (embeddedIO) Open(name string) (io.ReadCloser, error) { return schema.Files().Open(name) }

// PublishSchema pushes the schema module to an OCI registry, where cue and
// CUE's language server resolve it with CUE_REGISTRY=degen.dev=REGISTRY.
// registry is HOST[:PORT][/PREFIX], as CUE_REGISTRY writes it (a +insecure
// suffix for plain HTTP; a localhost registry is reached over plain HTTP
// anyway); credentials are CUE's (cue login) or Docker's.
func PublishSchema(ctx context.Context, registry string) (string, error) {
	host, _, _ := strings.Cut(schema.ImportPath, "/")
	resolver, err := modconfig.NewResolver(&modconfig.Config{CUERegistry: host + "=" + registry, ClientType: "degen"})
	if err != nil {
		return "", fmt.Errorf("registry %q: %v (write HOST[:PORT][/PREFIX], as in CUE_REGISTRY)", registry, err)
	}
	zip, err := SchemaZip()
	if err != nil {
		return "", err
	}
	mv, err := module.NewVersion(schema.Module, schema.Version)
	if err != nil {
		return "", err
	}
	if err := modregistry.NewClientWithResolver(resolver).PutModule(ctx, mv, bytes.NewReader(zip), int64(len(zip))); err != nil {
		return "", fmt.Errorf("publishing %s to %s: %v: check the address, that the registry runs, and the credentials (cue login or docker login)", mv, registry, err)
	}
	return mv.String(), nil
}
