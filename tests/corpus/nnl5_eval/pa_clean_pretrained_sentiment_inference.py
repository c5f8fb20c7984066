# nnlint-expect: clean
# source: https://github.com/oliverguhr/german-sentiment/issues/5
# A model-card style inference script: the classifier comes from from_pretrained, which
# already puts it in eval mode, so no explicit model.eval() is needed; the tokenizer loaded
# the same way is not a model at all.
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

MODEL_ID = "some-user/german-sentiment-bert"
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
classifier = AutoModelForSequenceClassification.from_pretrained(MODEL_ID)


def predict_sentiment(sentences):
    with torch.no_grad():
        encoded = tokenizer(sentences, padding=True, truncation=True, return_tensors="pt")
        logits = classifier(**encoded).logits
    labels = classifier.config.id2label
    return [labels[int(i)] for i in logits.argmax(dim=-1)]


if __name__ == "__main__":
    print(predict_sentiment(["Das ist gut.", "Das ist schlecht."]))
