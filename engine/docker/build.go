package docker

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

// BuildImage builds spec with the engine's classic builder: the context
// directory is sent as a tar (minus what .dockerignore excludes) and the
// engine's JSON progress is written to out as plain text. BuildKit needs a
// session protocol that API 1.41 engines do not speak to this client.
func (e *Engine) BuildImage(ctx context.Context, spec engine.BuildSpec, out io.Writer) error {
	if out == nil {
		out = io.Discard
	}
	dockerfile := spec.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	if filepath.IsAbs(dockerfile) {
		rel, err := filepath.Rel(spec.ContextDir, dockerfile)
		if err != nil || strings.HasPrefix(rel, "..") {
			return fmt.Errorf("build %s: dockerfile %s is outside the build context %s: move it inside the context", spec.Tag, dockerfile, spec.ContextDir)
		}
		dockerfile = rel
	}
	if _, err := os.Stat(filepath.Join(spec.ContextDir, dockerfile)); err != nil {
		return fmt.Errorf("build %s: %w", spec.Tag, err)
	}
	rules, err := readDockerignore(spec.ContextDir)
	if err != nil {
		return fmt.Errorf("build %s: %w", spec.Tag, err)
	}
	// The build is never retried: its context streams from a pipe that
	// the transport closes on failure, so it cannot be sent twice.
	if _, err := e.APIVersion(ctx); err != nil {
		return err
	}

	pr, pw := io.Pipe()
	go func() {
		// The engine reads the context while we write it; a write error
		// (or the engine hanging up) ends both sides.
		pw.CloseWithError(writeContext(pw, spec.ContextDir, rules, filepath.ToSlash(dockerfile)))
	}()
	defer pr.Close()

	var tags []string
	if spec.Tag != "" {
		tags = []string{spec.Tag}
	}
	res, err := e.cli.ImageBuild(ctx, pr, client.ImageBuildOptions{
		Tags:        tags,
		Dockerfile:  filepath.ToSlash(dockerfile),
		BuildArgs:   spec.Args,
		Target:      spec.Target,
		Labels:      spec.Labels,
		NoCache:     spec.NoCache,
		PullParent:  spec.Pull,
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
	})
	if err != nil {
		return e.wrap("build "+spec.Tag, err)
	}
	defer res.Body.Close()
	if err := streamBuildOutput(res.Body, out); err != nil {
		if noSpace(err.Error()) {
			return &NoSpaceError{Op: "build " + spec.Tag, Err: err}
		}
		return fmt.Errorf("build %s: %w", spec.Tag, err)
	}
	return nil
}

// buildMessage is one line of the engine's build progress.
type buildMessage struct {
	Stream      string `json:"stream"`
	Status      string `json:"status"`
	ID          string `json:"id"`
	Progress    string `json:"progress"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

// streamBuildOutput copies the text of the progress stream to out and turns
// an error in the stream into the returned error.
func streamBuildOutput(r io.Reader, out io.Writer) error {
	dec := json.NewDecoder(r)
	for {
		var m buildMessage
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read build output: %w", err)
		}
		switch {
		case m.ErrorDetail != nil && m.ErrorDetail.Message != "":
			return errors.New(strings.TrimSpace(m.ErrorDetail.Message))
		case m.Error != "":
			return errors.New(strings.TrimSpace(m.Error))
		case m.Stream != "":
			if _, err := io.WriteString(out, m.Stream); err != nil {
				return err
			}
		case m.Status != "":
			line := m.Status
			if m.ID != "" {
				line = m.ID + ": " + line
			}
			if m.Progress != "" {
				line += " " + m.Progress
			}
			if _, err := io.WriteString(out, line+"\n"); err != nil {
				return err
			}
		}
	}
}

func readDockerignore(dir string) (ignoreRules, error) {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseDockerignore(f)
}

// writeContext writes dir as a tar to w, leaving out what rules ignore but
// always keeping the Dockerfile and .dockerignore, which the engine reads.
// Owners are reset to root as the docker CLI does.
func writeContext(w io.Writer, dir string, rules ignoreRules, dockerfile string) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if rel != dockerfile && rel != ".dockerignore" && rules.ignored(rel) {
			if d.IsDir() && !rules.hasExceptions() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = rel
		if d.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return fmt.Errorf("send build context %s: %w", dir, err)
	}
	return tw.Close()
}
