package main

import (
	"bufio"
	"fmt"
	"strconv"
	"time"
)

// tgHeader opens a Telegram Desktop single-chat export, indented as
// Telegram Desktop writes it.
func tgHeader(w *bufio.Writer, _ time.Time) {
	w.WriteString("{\n \"name\": \"Trail Friends\",\n \"type\": \"private_group\",\n \"id\": 4000000001,\n \"messages\": [")
}

// tgMessage writes one message object: mostly text (a string, or an array
// mixing strings and entities), some photos and stickers, a few service
// messages, replies and edits, as Telegram Desktop exports them.
func tgMessage(w *bufio.Writer, g *generator) {
	b := g.line[:0]
	if g.i > 1 {
		b = append(b, ',')
	}
	b = append(b, "\n  {\n   \"id\": "...)
	b = strconv.AppendInt(b, int64(g.i), 10)
	who := g.rng.IntN(len(authors))
	switch r := g.rng.IntN(1000); {
	case r < 3:
		b = append(b, ",\n   \"type\": \"service\""...)
		b = tgDate(b, g.t)
		b = append(b, ",\n   \"actor\": "...)
		b = strconv.AppendQuote(b, authors[who])
		b = append(b, ",\n   \"actor_id\": \"user"...)
		b = strconv.AppendInt(b, int64(1000+who), 10)
		b = append(b, "\",\n   \"action\": \"invite_members\",\n   \"members\": [\n    \"Tom\"\n   ],\n   \"text\": \"\",\n   \"text_entities\": []\n  }"...)
		w.Write(b)
		g.line = b
		return
	default:
		b = append(b, ",\n   \"type\": \"message\""...)
		b = tgDate(b, g.t)
	}
	if g.rng.IntN(50) == 0 {
		b = append(b, ",\n   \"edited\": \"2021-03-01T09:00:00\",\n   \"edited_unixtime\": \"1614589200\""...)
	}
	b = append(b, ",\n   \"from\": "...)
	b = strconv.AppendQuote(b, authors[who])
	b = append(b, ",\n   \"from_id\": \"user"...)
	b = strconv.AppendInt(b, int64(1000+who), 10)
	b = append(b, '"')
	if g.i > 1 && g.rng.IntN(10) == 0 {
		b = append(b, ",\n   \"reply_to_message_id\": "...)
		b = strconv.AppendInt(b, int64(1+g.rng.IntN(g.i-1)), 10)
	}
	var text []byte
	switch r := g.rng.IntN(100); {
	case r < 2:
		b = append(b, ",\n   \"photo\": \"photos/photo_"...)
		b = strconv.AppendInt(b, int64(g.i), 10)
		b = append(b, "@01-03-2021_08-00-00.jpg\",\n   \"width\": 1280,\n   \"height\": 960"...)
	case r < 3:
		b = append(b, ",\n   \"file\": \"stickers/sticker.webp\",\n   \"thumbnail\": \"stickers/sticker.webp_thumb.jpg\",\n   \"media_type\": \"sticker\",\n   \"sticker_emoji\": \"😂\",\n   \"width\": 512,\n   \"height\": 512"...)
	default:
		text = g.text(nil, enWords)
	}
	if len(text) > 0 && g.rng.IntN(10) == 0 {
		// An entity array: a bold word, then the text.
		b = append(b, ",\n   \"text\": [\n    {\n     \"type\": \"bold\",\n     \"text\": \"Note\"\n    },\n    "...)
		b = strconv.AppendQuote(b, " "+string(text))
		b = append(b, "\n   ],\n   \"text_entities\": [\n    {\n     \"type\": \"bold\",\n     \"text\": \"Note\"\n    },\n    {\n     \"type\": \"plain\",\n     \"text\": "...)
		b = strconv.AppendQuote(b, " "+string(text))
		b = append(b, "\n    }\n   ]\n  }"...)
	} else {
		b = append(b, ",\n   \"text\": "...)
		b = strconv.AppendQuote(b, string(text))
		b = append(b, ",\n   \"text_entities\": ["...)
		if len(text) > 0 {
			b = append(b, "\n    {\n     \"type\": \"plain\",\n     \"text\": "...)
			b = strconv.AppendQuote(b, string(text))
			b = append(b, "\n    }\n   "...)
		}
		b = append(b, "]\n  }"...)
	}
	w.Write(b)
	g.line = b
}

func tgDate(b []byte, t time.Time) []byte {
	return fmt.Appendf(b, ",\n   \"date\": %q,\n   \"date_unixtime\": \"%d\"", t.Format("2006-01-02T15:04:05"), t.Unix())
}
