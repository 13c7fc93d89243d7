// Package planner builds the service graph of a project and walks it.
package planner
