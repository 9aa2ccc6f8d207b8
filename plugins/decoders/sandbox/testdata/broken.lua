function process_message(
