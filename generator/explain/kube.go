package explain

import (
	"github.com/degen-dev/degen/generator/internal/kubefield"
	"github.com/degen-dev/degen/generator/model"
)

// ModelPath maps a field of a generated Kubernetes workload to the model
// field it comes from (kubefield.ModelPath).
func ModelPath(field string) (path string, ok bool) { return kubefield.ModelPath(field) }

// Owner is what decides a field of a generated object when another object
// does (kubefield.Owner).
type Owner = kubefield.Owner

// OwnerOf returns the owner of a field of a generated Kubernetes workload
// (kubefield.OwnerOf).
func OwnerOf(env *model.Environment, field string) (Owner, bool) {
	return kubefield.OwnerOf(env, field)
}

// IsObjectField reports whether field names a field of a generated object
// (KIND/NAME.FIELD) rather than a model path.
func IsObjectField(field string) bool { return kubefield.IsObjectField(field) }

// PatchPath maps a field of a generated object to the model path of the
// patch of kubernetes.patches that sets it (kubefield.PatchPath).
func PatchPath(env *model.Environment, field string) (path string, ok bool) {
	return kubefield.PatchPath(env, field)
}
