package chatparse

import "encoding/json"

// text reads "text": a string, or an array mixing strings and entity
// objects ({"type": "bold", "text": "…"}).
func (p *tgParser) text(out *textBuilder) error {
	tok, err := p.js.token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case string:
		out.add(t)
		return nil
	case json.Delim:
		if t == '{' {
			return p.js.skipRest()
		}
	default:
		return nil
	}
	for p.js.more() {
		if err := p.entity(out); err != nil {
			return err
		}
	}
	return p.js.close()
}

func (p *tgParser) entity(out *textBuilder) error {
	tok, err := p.js.token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case string:
		out.add(t)
		return nil
	case json.Delim:
		if t == '{' {
			return p.entityObject(out)
		}
		return p.js.skipRest()
	}
	return nil
}

// entityObject reads the rest of {"type": …, "text": …} after its "{".
func (p *tgParser) entityObject(out *textBuilder) error {
	for p.js.more() {
		k, err := p.js.key()
		if err != nil {
			return err
		}
		if k != "text" {
			if err := p.js.skip(); err != nil {
				return err
			}
			continue
		}
		s, err := p.js.scalar()
		if err != nil {
			return err
		}
		out.add(s)
	}
	return p.js.close()
}

// poll reads {"question": …, "answers": [{"text": …}]} into the text.
func (p *tgParser) poll(out *textBuilder) error {
	return p.js.object(func(key string) error {
		switch key {
		case "question":
			s, err := p.js.scalar()
			out.add(s)
			return err
		case "answers":
			return p.js.array(func() error {
				return p.js.object(func(k string) error {
					if k != "text" {
						return p.js.skip()
					}
					s, err := p.js.scalar()
					out.add("\n" + s)
					return err
				})
			})
		}
		return p.js.skip()
	})
}
