package chatparse

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseTelegramAndDiscordFixtures(t *testing.T) {
	cases := []struct {
		name, file string
		opts       Options
	}{
		{"telegram single chat", "telegram/single_chat.json", Options{}},
		{"telegram full export by name", "telegram/full_account.json", Options{Chat: "Family"}},
		{"telegram full export by id", "telegram/full_account.json", Options{Chat: "111"}},
		{"discord", "discord/channel.json", Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, filepath.Join("testdata", c.file), c.opts.Chat, c.opts)
		})
	}
}

func TestParseTelegramFullExportWithoutChoiceListsChats(t *testing.T) {
	for _, want := range []string{"", "Nobody"} {
		f, err := os.Open("testdata/telegram/full_account.json")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, _, err = parseAll(t, Parse(f, Options{Chat: want}))
		var nf *ChatNotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, ErrChatNotFound) {
			t.Fatalf("chat %q: got %v, want a ChatNotFoundError", want, err)
		}
		if got := strings.Join(nf.Names, ","); got != "Pavel,Family,Old Club" {
			t.Errorf("chat %q: names %q", want, got)
		}
		if !strings.Contains(err.Error(), `"Family"`) {
			t.Errorf("error does not list the chats: %v", err)
		}
	}
}
