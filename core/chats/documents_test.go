package chats

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatparse"
	"github.com/chatlens/chatlens/core/chatstats"
)

// sampleReport and sampleStatistics set every field, so that the
// documents below exercise all of them.
var (
	sampleReport = chatparse.Report{
		Format: chatparse.FormatWhatsAppZip, ParserVersion: 2, DateOrder: chatparse.MonthDayYear,
		DateOrderReason: "an override", Chat: "Friends", Messages: 5, SystemMessages: 1, MediaMessages: 1,
		Kinds:        map[core.MessageKind]int{core.MessageText: 3, core.MessageMedia: 1, core.MessageSystem: 1},
		Participants: []string{"Alice", "Bob"}, ParticipantsTruncated: true,
		First: time.Date(2021, 3, 4, 10, 0, 0, 0, time.UTC), Last: time.Date(2022, 5, 6, 18, 0, 0, 500_000_000, time.UTC),
		UnparsedLines: 2, FirstUnparsedLines: []int{1, 2}, SkippedEntries: 3, Duplicates: 4, ClampedTimes: 5,
		TruncatedLines: 6, TruncatedMessages: 7, RepairedUTF8: 8, RepairedNUL: 9,
		Attachments: []string{"IMG-001.jpg"}, AttachmentCount: 1, Warnings: []string{"a warning"},
	}
	sampleStatistics = chatstats.Result{
		Messages: 4, SystemMessages: 1, Unattributed: 1, Words: 10, Media: 1, Emoji: 2,
		Authors: []chatstats.Author{{
			Name: "Alice", ID: "u1", Messages: 3, Words: 8, Media: 1, Deleted: 1, Emoji: 2,
			ConversationsStarted: 2, Responses: 1, MedianResponse: 90 * time.Second,
			TopWords: []chatstats.Count{{Text: "café", Count: 2, MaxOvercount: 1}},
			TopEmoji: []chatstats.Count{{Text: "🙂", Count: 2}},
		}},
		ByWeekdayHour: [7][24]int{4: {10: 3}},
		ByDay: []chatstats.DayCount{{Date: time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC), Messages: 3,
			ByAuthor: []chatstats.AuthorCount{{Author: 0, Messages: 3}}}},
		First:         chatstats.MessageRef{Seq: 1, Author: "Alice", Local: time.Date(2021, 3, 4, 10, 0, 0, 0, time.UTC), At: time.Date(2021, 3, 4, 9, 0, 0, 0, time.UTC)},
		Last:          chatstats.MessageRef{Seq: 5, Author: "Alice", Local: time.Date(2022, 5, 6, 18, 0, 0, 0, time.UTC)},
		Conversations: 2, OutOfOrder: 1, Untimed: 1,
		Location: "Europe/Berlin", Silence: 30 * time.Minute, MaxResponse: 12 * time.Hour, Languages: []string{"en"},
	}
)

// Documents of version 1 as this package wrote them. They must decode
// as long as version 1 is read: when a change to chatparse.Report or
// chatstats.Result makes one of them decode differently, raise the
// version and teach the decoder the old one instead of editing these.
// (Fields added later are absent here and decode to their zero value.)
const (
	reportV1     = `{"v":1,"report":{"Format":2,"ParserVersion":2,"DateOrder":2,"DateOrderReason":"an override","Chat":"Friends","Messages":5,"SystemMessages":1,"MediaMessages":1,"Kinds":{"1":3,"2":1,"3":1},"Participants":["Alice","Bob"],"ParticipantsTruncated":true,"First":"2021-03-04T10:00:00Z","Last":"2022-05-06T18:00:00.5Z","UnparsedLines":2,"FirstUnparsedLines":[1,2],"SkippedEntries":3,"Duplicates":4,"ClampedTimes":5,"TruncatedLines":6,"TruncatedMessages":7,"RepairedUTF8":8,"RepairedNUL":9,"Attachments":["IMG-001.jpg"],"AttachmentCount":1,"Warnings":["a warning"]}}`
	statisticsV1 = `{"v":1,"statistics":{"Messages":4,"SystemMessages":1,"Unattributed":1,"Words":10,"Media":1,"Emoji":2,"Authors":[{"Name":"Alice","ID":"u1","Messages":3,"Words":8,"Media":1,"Deleted":1,"Emoji":2,"ConversationsStarted":2,"Responses":1,"MedianResponse":90000000000,"TopWords":[{"Text":"café","Count":2,"MaxOvercount":1}],"TopEmoji":[{"Text":"🙂","Count":2,"MaxOvercount":0}]}],"ByWeekdayHour":[[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],[0,0,0,0,0,0,0,0,0,0,3,0,0,0,0,0,0,0,0,0,0,0,0,0],[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]],"ByDay":[{"Date":"2021-03-04T00:00:00Z","Messages":3,"ByAuthor":[{"Author":0,"Messages":3}]}],"First":{"Seq":1,"Author":"Alice","Local":"2021-03-04T10:00:00Z","At":"2021-03-04T09:00:00Z"},"Last":{"Seq":5,"Author":"Alice","Local":"2022-05-06T18:00:00Z","At":"0001-01-01T00:00:00Z"},"Conversations":2,"OutOfOrder":1,"Untimed":1,"Location":"Europe/Berlin","Silence":1800000000000,"MaxResponse":43200000000000,"Languages":["en"]}}`
)

func TestStoredDocumentsOfVersion1Decode(t *testing.T) {
	r, err := decodeReport([]byte(reportV1))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, sampleReport) {
		t.Errorf("report\n got %+v\nwant %+v", r, sampleReport)
	}
	st, err := decodeStatistics([]byte(statisticsV1))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st, sampleStatistics) {
		t.Errorf("statistics\n got %+v\nwant %+v", st, sampleStatistics)
	}
}

func TestDocumentsRoundTrip(t *testing.T) {
	b, err := encodeReport(sampleReport)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := decodeReport(b); err != nil || !reflect.DeepEqual(r, sampleReport) {
		t.Errorf("report round trip: %+v, %v", r, err)
	}
	b, err = encodeStatistics(sampleStatistics)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := decodeStatistics(b); err != nil || !reflect.DeepEqual(st, sampleStatistics) {
		t.Errorf("statistics round trip: %+v, %v", st, err)
	}
	// Zero values too: zero times and nil lists come back as they went.
	if b, err = encodeStatistics(chatstats.Result{}); err != nil {
		t.Fatal(err)
	}
	if st, err := decodeStatistics(b); err != nil || !reflect.DeepEqual(st, chatstats.Result{}) {
		t.Errorf("empty statistics round trip: %+v, %v", st, err)
	}
}

func TestDocumentsOfAnotherVersionAreRefused(t *testing.T) {
	for _, doc := range []string{`{"v":2,"report":{}}`, `{"report":{}}`, `[]`, ``} {
		if _, err := decodeReport([]byte(doc)); err == nil {
			t.Errorf("report %q decoded", doc)
		}
		if _, err := decodeStatistics([]byte(doc)); err == nil {
			t.Errorf("statistics %q decoded", doc)
		}
	}
	var ve *core.ValidationError
	if _, err := decodeReport([]byte(`{"v":2}`)); errors.As(err, &ve) {
		t.Error("an unreadable stored document is no validation error")
	}
}
