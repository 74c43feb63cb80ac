"""Chinese routing classifier (jieba + scikit-learn)."""
