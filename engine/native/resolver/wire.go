package resolver

import (
	"encoding/binary"
	"errors"
)

// Offsets and bits of the fixed 12-byte DNS header (RFC 1035 4.1.1) that
// dnsmessage.Header does not expose: the section counts, and the TC bit and
// RCODE of a message the server passes on without parsing.
const (
	headerLen  = 12
	qdcountOff = 4
	ancountOff = 6
	nscountOff = 8
	arcountOff = 10
	flagsOff   = 2
	tcBit      = 0x02 // in byte flagsOff
	rcodeMask  = 0x0f // in byte flagsOff+1

	// minUDPSize is the UDP reply size every client accepts (RFC 1035), and
	// the floor of what an EDNS0 client may announce (RFC 6891 6.2.5).
	minUDPSize = 512
	// maxMsgSize is the most a TCP message's 2-byte length prefix allows.
	maxMsgSize = 65535

	typeOPT = 41
)

var errMalformed = errors.New("malformed DNS message")

// layout is where the records of a wire-format message end, so that a reply
// can be cut short at a record boundary without unpacking and repacking it:
// a compression pointer only points backwards, so every prefix of records
// stays valid.
type layout struct {
	questionEnd int
	ends        []int  // end offset of each record: answers, authorities, additionals
	counts      [3]int // records in each of those sections
	opt         int    // index in ends of the OPT record, or -1
}

func parseLayout(msg []byte) (layout, error) {
	l := layout{opt: -1}
	if len(msg) < headerLen {
		return l, errMalformed
	}
	off := headerLen
	for range count(msg, qdcountOff) {
		end, err := skipName(msg, off)
		if err != nil || end+4 > len(msg) {
			return l, errMalformed
		}
		off = end + 4 // type, class
	}
	l.questionEnd = off
	for s, at := range [3]int{ancountOff, nscountOff, arcountOff} {
		l.counts[s] = count(msg, at)
		for range l.counts[s] {
			end, err := skipName(msg, off)
			// type, class, TTL and RDLENGTH, then RDATA.
			if err != nil || end+10 > len(msg) {
				return l, errMalformed
			}
			rrtype := binary.BigEndian.Uint16(msg[end:])
			off = end + 10 + int(binary.BigEndian.Uint16(msg[end+8:]))
			if off > len(msg) {
				return l, errMalformed
			}
			if s == 2 && rrtype == typeOPT {
				l.opt = len(l.ends)
			}
			l.ends = append(l.ends, off)
		}
	}
	return l, nil
}

func count(msg []byte, at int) int {
	return int(binary.BigEndian.Uint16(msg[at:]))
}

// skipName returns the offset just past the domain name at off.
func skipName(msg []byte, off int) (int, error) {
	for off < len(msg) {
		n := int(msg[off])
		switch {
		case n == 0:
			return off + 1, nil
		case n&0xc0 == 0xc0: // a compression pointer ends the name
			if off+2 > len(msg) {
				return 0, errMalformed
			}
			return off + 2, nil
		case n&0xc0 != 0:
			return 0, errMalformed // reserved label types
		}
		off += 1 + n
	}
	return 0, errMalformed
}

// fit returns msg cut down to at most size bytes (never below 512), as
// miekg/dns's Msg.Truncate did for the server before: it keeps the records
// that fit, in order, stopping at the first that does not, keeps the EDNS0
// OPT record, and sets the TC bit when it left any record out.
func fit(msg []byte, size int) ([]byte, error) {
	size = max(size, minUDPSize)
	if len(msg) <= size {
		return msg, nil
	}
	l, err := parseLayout(msg)
	if err != nil {
		return nil, err
	}
	var optRR []byte
	if l.opt >= 0 {
		start := l.questionEnd
		if l.opt > 0 {
			start = l.ends[l.opt-1]
		}
		optRR = msg[start:l.ends[l.opt]]
	}
	// kept is how many records of msg's own order stay; an OPT record past
	// them is moved to the end, which is safe because its owner name is the
	// root and its data holds no names.
	kept, end := 0, l.questionEnd
	for i, e := range l.ends {
		need := e
		if l.opt > i {
			need += len(optRR)
		}
		if need > size {
			break
		}
		kept, end = i+1, e
	}
	out := make([]byte, 0, end+len(optRR))
	out = append(out, msg[:end]...)
	var counts [3]int
	left := kept
	for s, n := range l.counts {
		counts[s] = min(n, left)
		left -= counts[s]
	}
	if l.opt >= kept {
		out = append(out, optRR...)
		counts[2]++
	}
	binary.BigEndian.PutUint16(out[ancountOff:], uint16(counts[0]))
	binary.BigEndian.PutUint16(out[nscountOff:], uint16(counts[1]))
	binary.BigEndian.PutUint16(out[arcountOff:], uint16(counts[2]))
	dropped := len(l.ends) - kept
	if l.opt >= kept {
		dropped--
	}
	if dropped > 0 {
		out[flagsOff] |= tcBit
	}
	return out, nil
}
