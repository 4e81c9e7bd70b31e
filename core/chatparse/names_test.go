package chatparse

import (
	"slices"
	"strings"
	"testing"
)

// TestParseAuthorNamesWithoutDecoration: what the apps put around a name is
// not part of it. iOS writes "~" and a space before the profile name of
// someone not in the phone's contacts; phone numbers and right-to-left names
// come wrapped in direction marks. Each author below must be one participant
// under one plain name.
func TestParseAuthorNamesWithoutDecoration(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
	}{
		{"ios unsaved contacts, narrow no-break, no-break and plain space",
			"[15/01/2024, 10:00:00] ~\u202fAnn: hi\n[15/01/2024, 10:01:00] Ann: again\n" +
				"[15/01/2024, 10:02:00] ~ Ben: yo\n[15/01/2024, 10:03:00] ~\u00a0Carl: hey\n" +
				"[15/01/2024, 10:04:00] \u2068~\u202fDora\u2069: hallo\n[15/01/2024, 10:05:00] ~Eve: a tilde that is part of the name\n",
			[]string{"Ann", "Ben", "Carl", "Dora", "~Eve"}},
		{"android phone numbers in embedding and isolate marks",
			"15/01/2024, 10:00 - \u202a+49 151 1234567\u202c: hi\n15/01/2024, 10:01 - \u2068+49 151 1234567\u2069: again\n" +
				"15/01/2024, 10:02 - \u2067\u0639\u0645\u0631\u2069: \u0645\u0631\u062d\u0628\u0627\n",
			[]string{"+49 151 1234567", "\u0639\u0645\u0631"}},
		{"telegram names in marks", `{"name": "c", "type": "personal_chat", "messages": [` +
			`{"id": 1, "type": "message", "date": "2024-01-15T10:00:00", "from": "\u2068Ann\u2069 ", "from_id": "user1", "text": "hi"},` +
			`{"id": 2, "type": "message", "date": "2024-01-15T10:01:00", "from": "\u202a+49 151\u202c", "from_id": "user2", "text": "yo"}]}`,
			[]string{"Ann", "+49 151"}},
		{"discord keeps a tilde, drops the marks", `{"guild": {"name": "g"}, "channel": {"name": "c"}, "messages": [` +
			`{"id": "1", "timestamp": "2024-01-01T00:00:00Z", "author": {"id": "5", "name": "~ kai"}, "content": "hi"},` +
			`{"id": "2", "timestamp": "2024-01-01T00:01:00Z", "author": {"id": "6", "name": "x", "nickname": "\u2067\u0639\u0645\u0631\u2069"}, "content": "yo"}]}`,
			[]string{"~ kai", "\u0639\u0645\u0631"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msgs, rep, err := parseAll(t, Parse(strings.NewReader(c.in), Options{}))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rep.Participants, c.want) {
				t.Errorf("participants %q, want %q", rep.Participants, c.want)
			}
			for _, m := range msgs {
				if !slices.Contains(c.want, m.Author) {
					t.Errorf("message %d by %q", m.Seq, m.Author)
				}
			}
		})
	}
}
