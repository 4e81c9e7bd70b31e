package chatparse_test

import (
	"fmt"
	"strings"

	"github.com/chatlens/chatlens/core/chatparse"
)

func ExampleParse() {
	export := "13/01/2024, 09:15 - Anna: Morning!\n" +
		"Coffee at 10?\n" +
		"13/01/2024, 09:16 - Ben: <Media omitted>\n" +
		"13/01/2024, 09:17 - Ben left\n"
	stream := chatparse.Parse(strings.NewReader(export), chatparse.Options{})
	for msg, err := range stream.Messages() {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("%d %s %-6s %q %q\n", msg.Seq, msg.Local.Format("2006-01-02 15:04"), msg.Kind, msg.Author, msg.Text)
	}
	r := stream.Report()
	fmt.Printf("%s, %s: %d messages, %d system, %d media; participants %v\n",
		r.Format, r.DateOrder, r.Messages, r.SystemMessages, r.MediaMessages, r.Participants)
	// Output:
	// 1 2024-01-13 09:15 text   "Anna" "Morning!\nCoffee at 10?"
	// 2 2024-01-13 09:16 media  "Ben" ""
	// 3 2024-01-13 09:17 system "" "Ben left"
	// whatsapp, DMY: 3 messages, 1 system, 1 media; participants [Anna Ben]
}
