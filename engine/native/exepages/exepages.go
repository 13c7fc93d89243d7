// Package exepages unmaps the pages of a process's own executable that it
// has faulted in, for the native engine's monitors (see Release).
//
// It imports nothing but syscall, so that cmd/berth-monitor can call it
// from a package initialiser that runs before most others (see
// cmd/berth-monitor/internal/early).
package exepages

import "syscall"

// Release unmaps from this process the pages it has mapped of its
// executable's code (r-xp) and read-only data (r--p); never writable ones,
// which hold what the process wrote. The pages stay in the page cache,
// shared with every other process of the executable, and a page the
// process needs again is mapped again on its next fault.
//
// Why: the kernel maps file pages 64 KiB around each fault
// (fault-around), so a burst of one-time code (the runtime's and the
// packages' initialisation, starting a container with runc, binding a
// DNS server in the container's namespace) leaves most of a small
// executable mapped, and counted in the process's RSS, for as long as it
// lives: a monitor of berth-monitor mapped 2.5 of its 3.1 MB of code and
// read-only data before main ran.
//
// Release does nothing for a process that maps other files read-only (a
// dynamically linked one): a relocated library's read-only data may hold
// pages the loader wrote, which unmapping would lose.
func Release() {
	maps, ok := readMaps()
	if !ok {
		return
	}
	exe := ""
	var ranges [][2]uintptr
	for len(maps) > 0 {
		var line []byte
		line, maps = cutLine(maps)
		r, perms, path, ok := parseLine(line)
		if !ok || len(path) == 0 || path[0] != '/' {
			continue // anonymous memory, the stack, the vdso
		}
		if exe == "" {
			exe = string(path) // a static executable's first mapping
		}
		if string(path) != exe {
			return
		}
		if perms == "r-xp" || perms == "r--p" {
			ranges = append(ranges, r)
		}
	}
	for _, r := range ranges {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, r[0], r[1]-r[0], syscall.MADV_DONTNEED)
	}
}

// readMaps reads /proc/self/maps whole.
func readMaps() ([]byte, bool) {
	fd, err := syscall.Open("/proc/self/maps", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, false
	}
	defer syscall.Close(fd)
	buf := make([]byte, 0, 4096)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, false
		}
		if n == 0 {
			return buf, true
		}
		buf = buf[:len(buf)+n]
	}
}

func cutLine(b []byte) (line, rest []byte) {
	for i, c := range b {
		if c == '\n' {
			return b[:i], b[i+1:]
		}
	}
	return b, nil
}

// parseLine reads one line of /proc/PID/maps:
// "start-end perms offset dev inode   path".
func parseLine(line []byte) (r [2]uintptr, perms string, path []byte, ok bool) {
	var f [6][]byte
	n := 0
	for i := 0; i < len(line) && n < 6; {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i == len(line) {
			break
		}
		if n == 5 {
			f[5] = line[i:] // the path, which may hold spaces
			n++
			break
		}
		j := i
		for j < len(line) && line[j] != ' ' {
			j++
		}
		f[n] = line[i:j]
		n++
		i = j
	}
	if n < 5 {
		return r, "", nil, false
	}
	dash := -1
	for i, c := range f[0] {
		if c == '-' {
			dash = i
		}
	}
	if dash < 0 {
		return r, "", nil, false
	}
	start, ok1 := hex(f[0][:dash])
	end, ok2 := hex(f[0][dash+1:])
	if !ok1 || !ok2 || end <= start {
		return r, "", nil, false
	}
	return [2]uintptr{start, end}, string(f[1]), f[5], true
}

func hex(b []byte) (uintptr, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uintptr
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uintptr(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uintptr(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
