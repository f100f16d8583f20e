"""What a running bot keeps alive: the library edited from the chat, background refreshes, feed polling."""
