// Package loader turns Compose files, env files and the environment into one
// project model. It is the only package that reads them.
package loader
