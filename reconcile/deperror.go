package reconcile

// DependencyError is a start that did not happen because a depends_on
// condition failed: a dependency exited non-zero, turned unhealthy or
// never got a healthcheck. The stack is not ready, but nothing is wrong
// with berth or the engine; berth ci tells the two apart with errors.As.
// Its message is the cause's.
type DependencyError struct {
	Err error
}

func (e *DependencyError) Error() string { return e.Err.Error() }
func (e *DependencyError) Unwrap() error { return e.Err }
