package compose

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestConfine: every file the Compose files make compose-go (or the
// model's build) read must be inside the project directory, reached
// through no link leaving it, outside .git/ and .degen/ and within its
// size; the refusal is an *InputError at the line that named the file.
func TestConfine(t *testing.T) {
	const svc = "services:\n  web:\n    image: nginx:1.27\n"
	big := func(n int) string { return "A=" + strings.Repeat("x", n) + "\n" }
	cases := []struct {
		name  string
		files map[string]string
		links map[string]string
		// project is the project directory under the test's root
		// (default "repo"); f the -f files, relative to the root.
		project string
		f       []string
		want    string
	}{
		{name: "compose file too large", files: map[string]string{"repo/compose.yml": svc + "#" + strings.Repeat("x", MaxComposeFile)},
			want: "compose.yml: Compose file compose.yml is larger than 4194304 bytes"},
		{name: "env file too large", files: map[string]string{"repo/compose.yml": svc + "    env_file: big.env\n", "repo/big.env": big(MaxComposeFile)},
			want: "compose.yml:4:15: env_file big.env is larger than 4194304 bytes"},
		{name: "config file too large", files: map[string]string{"repo/compose.yml": svc + "configs:\n  c:\n    file: big.conf\n", "repo/big.conf": big(1 << 20)},
			want: "compose.yml:6:11: config file big.conf is larger than 1048576 bytes"},
		{name: "label file under .degen", files: map[string]string{"repo/compose.yml": svc + "    label_file: .degen/l\n", "repo/.degen/l": "a=b\n"},
			want: "compose.yml:4:17: label_file .degen/l is under .degen/"},
		{name: "-f file outside the project directory", files: map[string]string{"repo/compose.yml": svc, "other.yml": svc},
			f: []string{"repo/compose.yml", "other.yml"}, want: "other.yml: the Compose file is outside the project directory"},
		{name: "-f file a link out", files: map[string]string{"outside.yml": svc}, links: map[string]string{"repo/compose.yml": "../outside.yml"},
			want: "compose.yml: Compose file compose.yml leads outside the project directory through a symbolic link"},
		{name: "home directory", files: map[string]string{"repo/compose.yml": "services:\n  web:\n    extends: {file: ~/base.yml, service: b}\n"},
			want: "compose.yml:3:21: extends file ~/base.yml is in the home directory"},
		{name: "included project's .env a link out", files: map[string]string{"repo/compose.yml": "include: [inc/db.yml]\n" + svc, "repo/inc/db.yml": svc, "canary": "A=1\n"},
			links: map[string]string{"repo/inc/.env": "../../canary"},
			want:  "compose.yml:1:11: the included project's .env inc/.env leads outside the project directory"},
		{name: "include env_file outside", files: map[string]string{"repo/compose.yml": "include:\n  - path: inc/db.yml\n    env_file: ../canary\n" + svc, "repo/inc/db.yml": svc, "canary": "A=1\n"},
			want: "compose.yml:3:15: include env_file ../canary is outside the project directory"},
		{name: "project_directory of a nested include", files: map[string]string{"repo/compose.yml": "include: [inc/a.yml]\n" + svc, "repo/inc/a.yml": "include:\n  - path: b.yml\n    project_directory: .\n", "repo/inc/b.yml": svc},
			want: "inc/a.yml:3:24: project_directory of an include in an included file"},
		{name: "nested extends outside", files: map[string]string{"repo/compose.yml": "services:\n  web:\n    extends: {file: sub/base.yml, service: b}\n", "repo/sub/base.yml": "services:\n  b:\n    extends: {file: ../../x.yml, service: c}\n", "x.yml": svc},
			want: "sub/base.yml:3:21: extends file ../../x.yml is outside the project directory"},
		{name: "binary key", files: map[string]string{"repo/compose.yml": svc + "    ? !!binary ZW52X2ZpbGU=\n    : ../canary\n", "canary": "A=1\n"},
			want: "compose.yml:4:7: a !!binary value is refused"},
		{name: "binary path", files: map[string]string{"repo/compose.yml": svc + "    env_file: !!binary Li4vY2FuYXJ5\n", "canary": "A=1\n"},
			want: "compose.yml:4:15: a !!binary value is refused"},
		{name: "services merged", files: map[string]string{"repo/compose.yml": "x-s: &s\n  web:\n    image: nginx:1.27\n    env_file: ../canary\nservices:\n  <<: *s\n", "canary": "A=1\n"},
			want: "compose.yml:4:15: env_file ../canary is outside the project directory"},
		{name: "configs merged", files: map[string]string{"repo/compose.yml": svc + "x-c: &c\n  c:\n    file: ../canary\nconfigs:\n  <<: *c\n", "canary": "A=1\n"},
			want: "compose.yml:6:11: config file ../canary is outside the project directory"},
		{name: "alias bomb", files: map[string]string{"repo/compose.yml": bomb()},
			want: "compose.yml: its YAML aliases and merge keys expand to more than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeAll(t, root, tc.files)
			for p, target := range tc.links {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, filepath.Join(root, p)); err != nil {
					t.Fatal(err)
				}
			}
			project := tc.project
			if project == "" {
				project = "repo"
			}
			f := tc.f
			if f == nil {
				f = []string{"repo/compose.yml"}
			}
			opts := Options{ProjectDir: filepath.Join(root, project), Into: filepath.Join(root, project)}
			for _, p := range f {
				opts.Files = append(opts.Files, filepath.Join(root, p))
			}
			_, err := Import(context.Background(), opts)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, want an *InputError", err)
			}
			if got := strings.ReplaceAll(err.Error(), root+"/", ""); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got\n%s\nwant it to start with\n%s", got, tc.want)
			}
		})
	}
}

// bomb is a Compose file whose merge keys expand exponentially.
func bomb() string {
	var b strings.Builder
	b.WriteString("x-a0: &a0 {image: nginx:1.27}\n")
	for i := 1; i <= 30; i++ {
		b.WriteString("x-a" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + "\n  <<: [*a" + strconv.Itoa(i-1) + ", *a" + strconv.Itoa(i-1) + ", *a" + strconv.Itoa(i-1) + "]\n")
	}
	b.WriteString("services:\n  web:\n    <<: *a30\n")
	return b.String()
}
