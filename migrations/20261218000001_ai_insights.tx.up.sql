-- The AI-written insight types (core/aiinsight): a summary, the main
-- topics and the tone between participants, in a category of their own.
-- Each attempt may make up to CHATLENS_AI_MAX_CALLS model calls, so their
-- timeout is the longest the catalog allows (10 minutes; the job rescuer's
-- default of 15 minutes stays above it).
INSERT INTO insight_categories (slug, name, description, position, version, updated_at) VALUES
    ('ai', 'Written by AI',
     E'Read by a language model: what the chat is about, its main subjects, and the tone between the people in it.\nThe chat''s text goes to the AI provider this service is configured with, or, when none is, to a built-in writer that runs on the server and sends nothing anywhere.',
     30, 1, '2026-12-18 00:00:00+00');

INSERT INTO insight_types (slug, category, name, description, cost, generator, timeout_ms, max_attempts, active, version, updated_at) VALUES
    ('summary', 'ai', 'Summary',
     'What the conversation is about in a few sentences, and its key points, each citing the messages it rests on.',
     20, 'ai-summary', 600000, 3, true, 1, '2026-12-18 00:00:00+00'),
    ('main-topics', 'ai', 'Main topics',
     'The subjects the chat spends its messages on: a label, keywords, the share of the messages on each, and typical messages.',
     15, 'ai-topics', 600000, 3, true, 1, '2026-12-18 00:00:00+00'),
    ('tone', 'ai', 'Tone between participants',
     'How each participant writes to each other one, from hostile to warm, with the messages that show it, and the tone of the chat overall.',
     15, 'ai-tone', 600000, 3, true, 1, '2026-12-18 00:00:00+00');
