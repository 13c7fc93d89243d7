// Package reconcile turns a project and the engine's observed state into a
// plan of actions, each with the reasons behind it, and applies plans.
package reconcile
