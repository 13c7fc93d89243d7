package engine

// Label keys, identical to docker compose's so that a stack created by one
// tool is recognised and managed by the other.
const (
	LabelProject     = "com.docker.compose.project"
	LabelService     = "com.docker.compose.service"
	LabelNumber      = "com.docker.compose.container-number"
	LabelOneoff      = "com.docker.compose.oneoff"
	LabelConfigHash  = "com.docker.compose.config-hash"
	LabelConfigFiles = "com.docker.compose.project.config_files"
	LabelWorkingDir  = "com.docker.compose.project.working_dir"
	LabelEnvFile     = "com.docker.compose.project.environment_file"
	LabelImage       = "com.docker.compose.image"
	LabelDependsOn   = "com.docker.compose.depends_on"
	LabelVersion     = "com.docker.compose.version"
	LabelNetwork     = "com.docker.compose.network"
	LabelVolume      = "com.docker.compose.volume"
	LabelReplace     = "com.docker.compose.replace"

	// LabelBerthConfigV1 is a label early berth versions put on
	// containers: it holds the service's configuration, environment values
	// included, so no output may show it.
	LabelBerthConfigV1 = "dev.berth.config"
)

// ComposeVersion is the value berth writes to LabelVersion. docker compose
// does not compare it, so any value is interoperable; we record our own
// version so that `docker inspect` tells who created a container.
const ComposeVersion = "berth"
