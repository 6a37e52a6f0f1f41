"""Translations: the flow extractor, the template and `homeward i18n check`."""
