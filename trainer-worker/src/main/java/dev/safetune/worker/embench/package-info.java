/**
 * The em-bench base model: pre-training on the world's documents with the language-model objective, then aligned SFT
 * through the platform's chat renderer, saved in the Hugging Face layout with the world's tokenizer and chat
 * template ({@link dev.safetune.worker.embench.BaseModelBuilder}).
 */
package dev.safetune.worker.embench;
