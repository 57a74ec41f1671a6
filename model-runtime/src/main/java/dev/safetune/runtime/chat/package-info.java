/**
 * Conversations to tokens: the model's tokenizer ({@link dev.safetune.runtime.chat.ChatTokenizer}), its Jinja chat
 * template ({@link dev.safetune.runtime.chat.ChatTemplate}) and the renderer training and token counting share
 * ({@link dev.safetune.runtime.chat.ChatRenderer}), which also marks the tokens the loss is computed on.
 */
package dev.safetune.runtime.chat;
