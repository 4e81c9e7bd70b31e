package chats

import (
	"encoding/json"
	"fmt"

	"github.com/chatlens/chatlens/core/chatparse"
	"github.com/chatlens/chatlens/core/chatstats"
)

// A chat's Report and Statistics are JSON documents this package writes at
// import and reads back (storage keeps them as given). Each is an envelope
// {"v": N, "report"|"statistics": …} around chatparse.Report or
// chatstats.Result encoded by encoding/json (field names as Go spells them,
// times in RFC 3339 with nanoseconds, durations in nanoseconds, enums as
// their numbers). When a change to either type would make an old document
// read differently (a renamed or retyped field, a renumbered enum), the
// version goes up and the decoder keeps reading the old version into the new
// type; TestStoredDocumentsOfVersion1Decode holds a version 1 document of
// each to that.
const (
	reportDocVersion     = 1
	statisticsDocVersion = 1
)

type reportDoc struct {
	V      int              `json:"v"`
	Report chatparse.Report `json:"report"`
}

type statisticsDoc struct {
	V          int              `json:"v"`
	Statistics chatstats.Result `json:"statistics"`
}

// docVersion is the envelope's version alone.
type docVersion struct {
	V int `json:"v"`
}

func encodeReport(r chatparse.Report) ([]byte, error) {
	b, err := json.Marshal(reportDoc{V: reportDocVersion, Report: r})
	if err != nil {
		return nil, fmt.Errorf("encoding the import report: %w", err)
	}
	return b, nil
}

func decodeReport(b []byte) (chatparse.Report, error) {
	var v docVersion
	if err := json.Unmarshal(b, &v); err != nil {
		return chatparse.Report{}, fmt.Errorf("decoding the stored import report: %w", err)
	}
	if v.V != reportDocVersion {
		return chatparse.Report{}, fmt.Errorf("the stored import report has version %d, which this build cannot read", v.V)
	}
	var d reportDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return chatparse.Report{}, fmt.Errorf("decoding the stored import report: %w", err)
	}
	return d.Report, nil
}

func encodeStatistics(r chatstats.Result) ([]byte, error) {
	b, err := json.Marshal(statisticsDoc{V: statisticsDocVersion, Statistics: r})
	if err != nil {
		return nil, fmt.Errorf("encoding the statistics: %w", err)
	}
	return b, nil
}

func decodeStatistics(b []byte) (chatstats.Result, error) {
	var v docVersion
	if err := json.Unmarshal(b, &v); err != nil {
		return chatstats.Result{}, fmt.Errorf("decoding the stored statistics: %w", err)
	}
	if v.V != statisticsDocVersion {
		return chatstats.Result{}, fmt.Errorf("the stored statistics have version %d, which this build cannot read", v.V)
	}
	var d statisticsDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return chatstats.Result{}, fmt.Errorf("decoding the stored statistics: %w", err)
	}
	return d.Statistics, nil
}
