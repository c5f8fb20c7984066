# nnlint-expect: clean
# source: https://github.com/huggingface/peft/blob/main/examples/causal_language_modeling/peft_prompt_tuning_clm.ipynb
# Notebook-style script: prompt tuning trains only a few virtual-token embeddings of a
# PEFT-wrapped model, and the recipe's rate of 3e-2 is deliberate for them.
import torch
from peft import PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model
from transformers import AutoModelForCausalLM, get_linear_schedule_with_warmup

checkpoint = "bigscience/bloomz-560m"
learning_rate = 3e-2
epochs = 20

config = PromptTuningConfig(
    task_type=TaskType.CAUSAL_LM,
    prompt_tuning_init=PromptTuningInit.TEXT,
    num_virtual_tokens=8,
    prompt_tuning_init_text="Classify if the tweet is a complaint or not:",
    tokenizer_name_or_path=checkpoint,
)
model = AutoModelForCausalLM.from_pretrained(checkpoint)
model = get_peft_model(model, config)

optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=0, num_training_steps=epochs * 100)

for epoch in range(epochs):
    model.train()
    for batch in train_loader:
        outputs = model(**batch)
        outputs.loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
