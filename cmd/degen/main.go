// Command degen compiles a CUE model of a stack into Docker Compose,
// Kustomize, Terraform, Prometheus and .env files under out/.
package main

import "os"

func main() { os.Exit(Main()) }
