"""Categories of requests, as a tree (e.g. 城乡建设 › 物业管理)."""

from sqlmodel import Field, SQLModel


class CategoryBase(SQLModel):
    code: str = Field(max_length=64, index=True, unique=True)
    name: str = Field(max_length=64)
    default_unit_code: str = Field(default="", max_length=64, description="unit that usually handles it")
    utility: bool = Field(default=False, description="water/power/gas/heat: shorter sign limit")


class Category(CategoryBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="category.id", index=True)


class CategoryPublic(CategoryBase):
    id: int
    parent_id: int | None
