DROP TABLE messages;
DROP TABLE chats;
DROP TEXT SEARCH CONFIGURATION chatlens_search;
-- The unaccent extension stays: another schema may use it, and dropping it
-- needs the right creating it may have needed from an administrator.
